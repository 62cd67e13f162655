// Drum servo pulses on Timer2 (normal mode, clk/32: one tick = 2 µs = 0.2° at 10 µs/°) and the sinusoid.
//
// Like the light gates, the servo edges are made by the compare hardware on OC2A: the ISR after each match
// only programs the next edge, waiting out whole 256-tick counter rounds with a no-op action. The ISR never
// computes a sine (a float sine takes ~100 µs on this chip): the main loop prepares the width of the next
// frame when a frame starts, and the ISR takes whatever was prepared last.
#include "drum.h"
#include <Arduino.h>
#include <math.h>
#include "clock.h"

namespace {

constexpr uint16_t TICK_US = SERVO_TICK_US;
constexpr uint16_t FRAME_TICKS = SERVO_FRAME_US / TICK_US;  // 50 Hz frames
constexpr uint16_t ROUND_TICKS = 256;
constexpr uint16_t MIN_STEP_TICKS = 64;

// ISR state.
volatile uint16_t next_width_ticks = SERVO_CENTRE_US / TICK_US;
volatile bool frame_started;
volatile uint32_t frame_start_us;
uint16_t width_ticks, remaining_ticks;
bool servo_high, servo_armed;

// Sinusoid: cycle k starts at t0 + k·1e12/f µs (f in µHz). Cycle starts advance by the integer quotient
// q and a remainder carried Bresenham-style, so a session-long sinusoid keeps its exact frequency.
struct Sine {
  bool running;
  float amp_deg;
  float freq_per_us;  // cycles per µs
  uint32_t freq_uhz;
  uint32_t cycle_start_us, q_us, r, acc;
} sine;
float held_deg;

// Position reports at rate_mhz: report k is due at start + k·1e9/rate µs (same carry scheme).
struct Schedule {
  uint32_t next_us, q_us, r, acc, den;
  void start(uint32_t t_us, uint32_t rate_mhz) {
    next_us = t_us;
    den = rate_mhz;
    q_us = 1000000000UL / rate_mhz;
    r = 1000000000UL % rate_mhz;
    acc = 0;
  }
  void advance() {
    next_us += q_us;
    acc += r;
    if (acc >= den) {
      acc -= den;
      next_us++;
    }
  }
} reports;
uint32_t rate_mhz = DRUM_DEFAULT_RATE_MHZ;

// amp·sin(2π·f·(t − t0)), degrees. t may lie up to one cycle before the present cycle start.
float position_at(uint32_t t_us) {
  if (!sine.running) return held_deg;
  while ((int32_t)(t_us - sine.cycle_start_us) >= (int32_t)sine.q_us) {
    sine.cycle_start_us += sine.q_us;
    sine.acc += sine.r;
    if (sine.acc >= sine.freq_uhz) {
      sine.acc -= sine.freq_uhz;
      sine.cycle_start_us++;
    }
  }
  const float dt_us = (float)(int32_t)(t_us - sine.cycle_start_us) - (float)sine.acc / sine.freq_uhz;
  return sine.amp_deg * sinf(2 * (float)M_PI * sine.freq_per_us * dt_us);
}

uint16_t width_for(float deg) { return (uint16_t)lroundf((SERVO_CENTRE_US + SERVO_US_PER_DEG * deg) / TICK_US); }

void set_next_width(uint16_t w) {
  const uint8_t sreg = SREG;
  cli();
  next_width_ticks = w;
  SREG = sreg;
}

// Width of the frame after the one that started last.
void prepare_frame() {
  const uint8_t sreg = SREG;
  cli();
  const uint32_t next_frame = frame_start_us + FRAME_TICKS * TICK_US;
  SREG = sreg;
  set_next_width(width_for(position_at(next_frame)));
}

}  // namespace

ISR(TIMER2_COMPA_vect) {
  if (servo_armed) {
    servo_high = !servo_high;
    if (servo_high) {
      width_ticks = next_width_ticks;
      remaining_ticks = width_ticks;
      frame_start_us = clock_us_locked();
      frame_started = true;
    } else {
      remaining_ticks = FRAME_TICKS - width_ticks;
    }
  }
  // Next match: `remaining_ticks` after this one if that is within a round; otherwise a no-op step of at most
  // a round that never leaves a final step shorter than MIN_STEP_TICKS (time for this ISR to arm the edge).
  const bool arm = remaining_ticks <= ROUND_TICKS;
  uint16_t step = remaining_ticks;
  if (!arm) step = remaining_ticks - ROUND_TICKS < MIN_STEP_TICKS ? remaining_ticks - MIN_STEP_TICKS : ROUND_TICKS;
  remaining_ticks -= step;
  servo_armed = arm;
  // The action first: a match at the new OCR2A must already see it. Setting while high, or clearing while
  // low, is the no-op.
  const bool set = arm ? !servo_high : servo_high;
  TCCR2A = set ? _BV(COM2A1) | _BV(COM2A0) : _BV(COM2A1);
  OCR2A = (uint8_t)(OCR2A + step);
}

void drum_begin() {
  TIMSK2 = 0;
  TCCR2B = 0;
  TCCR2A = _BV(COM2A1) | _BV(COM2A0);  // first match sets the pin: the first frame starts
  TCNT2 = 0;
  OCR2A = 100;
  servo_armed = true;
  TIFR2 = _BV(OCF2A) | _BV(OCF2B) | _BV(TOV2);
  TCCR2B = _BV(CS21) | _BV(CS20);  // normal mode, clk/32
  TIMSK2 = _BV(OCIE2A);
}

uint32_t drum_sine(uint32_t amp_mdeg, uint32_t freq_uhz) {
  const uint32_t t0 = clock_us();
  sine.running = true;
  sine.amp_deg = amp_mdeg / 1000.0f;
  sine.freq_uhz = freq_uhz;
  sine.freq_per_us = freq_uhz / 1e12f;
  sine.q_us = (uint32_t)(1000000000000ULL / freq_uhz);
  sine.r = (uint32_t)(1000000000000ULL % freq_uhz);
  sine.acc = 0;
  sine.cycle_start_us = t0;
  reports.start(t0, rate_mhz);
  prepare_frame();
  return t0;
}

uint32_t drum_stop() {
  const uint32_t t = clock_us();
  held_deg = position_at(t);
  sine.running = false;
  set_next_width(width_for(held_deg));
  return t;
}

uint32_t drum_rate(uint32_t mhz) {
  const uint32_t t = clock_us();
  rate_mhz = mhz;
  if (sine.running) reports.start(t, mhz);
  return t;
}

bool drum_poll(uint32_t now_us, uint32_t* t_us, int32_t* pos_e4deg) {
  if (frame_started) {
    frame_started = false;
    prepare_frame();
  }
  if (!sine.running || (int32_t)(now_us - reports.next_us) < 0) return false;
  // When the serial line fell behind by more than one report, skip to the latest due one.
  while ((int32_t)(now_us - reports.next_us) >= (int32_t)reports.q_us) reports.advance();
  *t_us = reports.next_us;
  *pos_e4deg = lroundf(position_at(reports.next_us) * 1e4f);
  reports.advance();
  return true;
}

// Device clock and light pulse trains on Timer1 in normal mode (free-running 16-bit counter, 4 µs ticks).
//
// Every light edge is made by the output-compare hardware: OCR1A/OCR1B hold the tick of the next edge and
// the compare-output mode (COM1x) says whether the match sets or clears the pin. The ISR that follows a
// match only programs the next edge, so interrupt latency and serial traffic never move an edge; edges sit
// exactly on the 4 µs tick grid. Edges further away than one counter round (65536 ticks = 262 ms) wait out
// whole rounds with a no-op action (set while high, clear while low) and are armed in their last round.
//
// Schedules are kept in exact device µs (pulse k starts at train start + k·period), and each edge is rounded
// to the nearest tick, so long trains do not drift when a period is not a multiple of 4 µs.
#include "clock.h"
#include <Arduino.h>
#include "pins.h"

namespace {

static_assert(LIGHT_TICK_US == 4, "Timer1 runs at clk/64: 4 us ticks at 16 MHz");
constexpr uint32_t ROUND_US = 65536UL * LIGHT_TICK_US;
constexpr uint32_t MIN_ARM_US = 128;
constexpr uint8_t RING = 32;  // edge reports waiting for the serial line (power of two)

struct Channel {
  TrainSpec spec;
  uint32_t trains_done;
  uint32_t train_start_us;
  uint32_t pulse_start_us;
  uint32_t edge_us;  // next scheduled edge (exact); the pin changes at its nearest tick
  bool armed;        // the compare unit makes that edge at its next match
  bool high;         // present pin level
};

Channel channels[LIGHT_CHANNELS];
volatile uint16_t overflows;
EdgeReport ring[RING];
volatile uint8_t ring_head, ring_tail;
volatile uint16_t dropped;

inline volatile uint16_t& ocr(uint8_t c) { return c ? OCR1B : OCR1A; }
inline uint8_t ocf(uint8_t c) { return c ? _BV(OCF1B) : _BV(OCF1A); }
inline uint8_t ocie(uint8_t c) { return c ? _BV(OCIE1B) : _BV(OCIE1A); }
inline uint32_t on_tick(uint32_t us) { return (us + 2) & ~3UL; }

// Compare action of the channel's next match: set (COM1x = 11) or clear (COM1x = 10) its pin.
void set_action(uint8_t c, bool high) {
  const uint8_t shift = c ? COM1B0 : COM1A0;
  TCCR1A = (TCCR1A & ~(3 << shift)) | ((high ? 3 : 2) << shift);
}

// Applies the action now (FOC1x), without a match and without setting the compare flag.
void force(uint8_t c, bool high) {
  set_action(c, high);
  TCCR1C = c ? _BV(FOC1B) : _BV(FOC1A);
}

void report(uint8_t c, bool high, uint32_t t_us) {
  channels[c].high = high;
  const uint8_t next = (ring_head + 1) & (RING - 1);
  if (next == ring_tail) {
    dropped++;
    return;
  }
  ring[ring_head] = {t_us, c, high};
  ring_head = next;
}

// After the edge at channels[c].edge_us: schedules the following edge; false when the sequence is over.
bool advance(Channel& k) {
  const TrainSpec& s = k.spec;
  if (k.high) {
    k.edge_us = k.pulse_start_us + s.width_us;
    return true;
  }
  k.pulse_start_us += s.period_us;
  if (s.train_us == 0 || k.pulse_start_us - k.train_start_us < s.train_us) {
    k.edge_us = k.pulse_start_us;
    return true;
  }
  k.trains_done++;
  if (s.trains != 0 && k.trains_done >= s.trains) return false;
  k.train_start_us += s.train_us + s.gap_us;
  k.pulse_start_us = k.edge_us = k.train_start_us;
  return true;
}

// Stops the channel's train; the pin keeps its level.
void cancel(uint8_t c) {
  TIMSK1 &= ~ocie(c);
  TIFR1 = ocf(c);
  channels[c].armed = false;
}

// Programs the compare unit for channels[c].edge_us. `ref_us` is the tick of the unit's last match (or now):
// a new OCR1x value matches when the counter next reaches it. Far edges are approached in no-op steps of at
// most one round, the last step never shorter than MIN_ARM_US, so the ISR always has time to arm the edge.
// The action is written before OCR1x, so that a match at the new value already sees it.
void program(uint8_t c, uint32_t ref_us) {
  Channel& k = channels[c];
  for (;;) {
    const uint32_t edge = on_tick(k.edge_us);
    const int32_t ahead = (int32_t)(edge - ref_us);
    if (ahead > (int32_t)ROUND_US) {
      const uint32_t step = ahead - ROUND_US < MIN_ARM_US ? ahead - MIN_ARM_US : ROUND_US;
      set_action(c, k.high);
      ocr(c) = (uint16_t)((ref_us + step) >> 2);
      k.armed = false;
      return;
    }
    if (ahead > 0) {
      set_action(c, !k.high);
      ocr(c) = (uint16_t)(edge >> 2);
      k.armed = true;
      // Normally done. Only if the counter passed the edge before OCR1x was written (no match flag), the
      // edge is made late, in software, rather than one counter round (262 ms) late.
      if ((int32_t)(edge - clock_us_locked()) > 0 || (TIFR1 & ocf(c))) return;
    }
    const uint32_t now = clock_us_locked();
    force(c, !k.high);
    report(c, !k.high, now);
    k.armed = false;
    if (!advance(k)) {
      cancel(c);
      return;
    }
    ref_us = now;
  }
}

void on_match(uint8_t c) {
  Channel& k = channels[c];
  uint32_t ref;
  if (k.armed) {
    ref = on_tick(k.edge_us);
    report(c, !k.high, ref);
    k.armed = false;
    if (!advance(k)) {
      cancel(c);
      return;
    }
  } else {
    const uint32_t now = clock_us_locked();
    ref = now - 4UL * (uint16_t)((uint16_t)(now >> 2) - ocr(c));
  }
  program(c, ref);
}

// Sets the pins of channels [first, last], cancelling their trains, and reports each change at one device
// time, read right after the pins changed; returns it. Interrupts off.
uint32_t set_levels_locked(uint8_t first, uint8_t last, bool high) {
  for (uint8_t c = first; c <= last; c++) {
    cancel(c);
    force(c, high);
  }
  const uint32_t now = clock_us_locked();
  for (uint8_t c = first; c <= last; c++) {
    if (channels[c].high != high) report(c, high, now);
  }
  return now;
}

uint32_t set_levels(uint8_t first, uint8_t last, bool high) {
  const uint8_t sreg = SREG;
  cli();
  const uint32_t now = set_levels_locked(first, last, high);
  SREG = sreg;
  return now;
}

}  // namespace

ISR(TIMER1_OVF_vect) { overflows++; }
ISR(TIMER1_COMPA_vect) { on_match(0); }
ISR(TIMER1_COMPB_vect) { on_match(1); }

uint32_t clock_us_locked() {
  uint16_t hi = overflows;
  const uint16_t lo = TCNT1;
  if ((TIFR1 & _BV(TOV1)) && lo < 0x8000) hi++;  // overflow pending behind this ISR or cli section
  return (((uint32_t)hi << 16) | lo) << 2;
}

uint32_t clock_us() {
  const uint8_t sreg = SREG;
  cli();
  const uint32_t t = clock_us_locked();
  SREG = sreg;
  return t;
}

void light_begin() {
  // Both gates are driven low by early_init(); hand them to the compare units with a "clear" action, so the
  // pins stay low (the OC1x latches reset to 0).
  TIMSK1 = 0;
  TCCR1B = 0;
  TCCR1A = _BV(COM1A1) | _BV(COM1B1);
  TCNT1 = 0;
  TIFR1 = _BV(TOV1) | _BV(OCF1A) | _BV(OCF1B) | _BV(ICF1);
  TCCR1B = _BV(CS11) | _BV(CS10);  // normal mode, clk/64
  TIMSK1 = _BV(TOIE1);
}

uint32_t light_on(uint8_t c) { return set_levels(c, c, true); }
uint32_t light_off(uint8_t c) { return set_levels(c, c, false); }
uint32_t light_all_off() { return set_levels(0, LIGHT_CHANNELS - 1, false); }

bool train_valid(const TrainSpec& s) {
  if (s.period_us > MAX_SPAN_US || s.train_us > MAX_SPAN_US || s.gap_us > MAX_SPAN_US) return false;
  if (s.width_us < MIN_EDGE_SPACING_US || s.width_us >= s.period_us) return false;
  if (s.period_us - s.width_us < MIN_EDGE_SPACING_US) return false;
  if (s.train_us == 0 || s.trains == 1) return true;
  // Repeated trains: the last pulse of a train must end MIN_EDGE_SPACING_US before the next train starts.
  const uint32_t pulses = (s.train_us + s.period_us - 1) / s.period_us;
  const uint32_t last_end = (pulses - 1) * s.period_us + s.width_us;
  return (uint64_t)last_end + MIN_EDGE_SPACING_US <= (uint64_t)s.train_us + s.gap_us;
}

uint32_t light_train(uint8_t c, const TrainSpec& spec, bool at, uint32_t start_us) {
  const uint8_t sreg = SREG;
  cli();
  const uint32_t now = set_levels_locked(c, c, false);
  Channel& k = channels[c];
  const uint32_t soonest = now + TRAIN_LEAD_US;
  // Far edges wait out whole Timer1 rounds in program(), so any start up to 2^31 µs ahead is armed the same way.
  const uint32_t start = at && (int32_t)(start_us - soonest) > 0 ? start_us : soonest;
  k.spec = spec;
  k.trains_done = 0;
  k.train_start_us = k.pulse_start_us = k.edge_us = start;
  ocr(c) = TCNT1 - 1;  // a whole round away: no match while program() changes the action
  program(c, now);
  TIMSK1 |= ocie(c);
  SREG = sreg;
  return now;
}

bool next_edge_report(EdgeReport* out) {
  const uint8_t sreg = SREG;
  cli();
  const bool any = ring_tail != ring_head;
  if (any) {
    *out = ring[ring_tail];
    ring_tail = (ring_tail + 1) & (RING - 1);
  }
  SREG = sreg;
  return any;
}

uint16_t take_dropped_edge_reports() {
  const uint8_t sreg = SREG;
  cli();
  const uint16_t n = dropped;
  dropped = 0;
  SREG = sreg;
  return n;
}

// hokr-rig: the light source and the drum of a HOKR rig on one Arduino Uno (ATmega328P, 16 MHz).
// Implements the device side of README.md, "Wire protocols" ("Combined rig controller"): line commands in, one
// reply per command, and E/W/P/! events out, every one stamped with the device clock (µs).
//
// Safety layers, outermost first: external pull-downs hold the light gates low while the chip is in reset
// or the bootloader runs; early_init() drives them low before any other code; the host-silence watchdog
// (WDG, default 2000 ms) switches every channel off; the hardware watchdog resets a hung firmware; the
// brown-out detector (fuse, 2.7 V on an Uno) holds the chip in reset while the supply is low.
#include <avr/wdt.h>
#include "clock.h"
#include "description.h"
#include "drum.h"
#include "pins.h"
#include "wire.h"

// MCUSR at reset (why the chip restarted), kept out of .bss so the C runtime does not clear it.
uint8_t reset_flags __attribute__((section(".noinit")));

// Runs from .init3, after the stack is set up and before .bss/.data are initialised, constructors or main():
// every output that can switch light on, or move the drum, is driven low first. The hardware watchdog is
// stopped because it stays enabled (at 16 ms) after a watchdog reset.
void early_init() __attribute__((naked, used, section(".init3")));
void early_init() {
  PORTB &= ~(GATE_PORTB_MASK | SERVO_PORTB_MASK);
  DDRB |= GATE_PORTB_MASK | SERVO_PORTB_MASK;
  PORTD &= ~POWER_PORTD_MASK;
  DDRD |= POWER_PORTD_MASK;
  reset_flags = MCUSR;
  MCUSR = 0;
  wdt_disable();
}

namespace {

uint32_t host_watchdog_us = HOST_WATCHDOG_DEFAULT_MS * 1000;
uint32_t last_command_us;
bool host_watchdog_fired;

char line[MAX_LINE + 1];
uint8_t line_len;
bool line_overflow;

const char* reset_cause() {
  if (reset_flags & _BV(WDRF)) return "boot watchdog-reset";
  if (reset_flags & _BV(BORF)) return "boot brown-out";
  if (reset_flags & _BV(EXTRF)) return "boot external-reset";
  if (reset_flags & _BV(PORF)) return "boot power-on";
  return "boot";  // the bootloader cleared the flags
}

bool parse_channel(const char* s, uint8_t* c) {
  uint32_t v;
  if (!parse_uint(s, LIGHT_CHANNELS - 1, &v)) return false;
  *c = (uint8_t)v;
  return true;
}

void set_power(uint8_t c, uint32_t uw) {
  // analogWrite drives 0 and 255 as plain low/high (Timer0 fast PWM would leave a 1/256 sliver at 0).
  analogWrite(POWER_PIN[c], (int)((uw * 255 + POWER_FULL_SCALE_UW / 2) / POWER_FULL_SCALE_UW));
}

void execute(Command& cmd) {
  const char* v = cmd.verb;
  uint32_t a, b;
  uint8_t c;
  if (!strcmp(v, "HELLO")) {
    if (!cmd.args(0)) return;
    Out o = cmd.ok(clock_us());
    o.str(" " DEVICE_NAME " ").u32(PROTOCOL_VERSION).str(" ").u32(LIGHT_CHANNELS).str(" ").u32(DRUM_MAX_AMP_DEG);
    o.send();
  } else if (!strcmp(v, "PING")) {
    if (cmd.args(0)) cmd.ok(clock_us()).send();
  } else if (!strcmp(v, "PWR")) {
    if (!cmd.args(2)) return;
    if (!parse_channel(cmd.arg[0], &c)) return cmd.bad("channel");
    if (!parse_fixed(cmd.arg[1], 3, POWER_FULL_SCALE_UW, &a)) return cmd.bad(BAD_POWER);
    set_power(c, a);
    cmd.ok(clock_us()).send();
  } else if (!strcmp(v, "ON") || !strcmp(v, "OFF")) {
    if (!cmd.args(1)) return;
    if (!parse_channel(cmd.arg[0], &c)) return cmd.bad("channel");
    cmd.ok(v[1] == 'N' ? light_on(c) : light_off(c)).send();
  } else if (!strcmp(v, "ALLOFF")) {
    if (cmd.args(0)) cmd.ok(light_all_off()).send();
  } else if (!strcmp(v, "TRAIN")) {
    if (!cmd.args(6, 7)) return;
    TrainSpec s;
    uint32_t start_us = 0;
    if (!parse_channel(cmd.arg[0], &c)) return cmd.bad("channel");
    if (!parse_uint(cmd.arg[1], MAX_SPAN_US, &s.width_us) || !parse_uint(cmd.arg[2], MAX_SPAN_US, &s.period_us) ||
        !parse_uint(cmd.arg[3], MAX_SPAN_US, &s.train_us) || !parse_uint(cmd.arg[4], MAX_SPAN_US, &s.gap_us) ||
        !parse_uint(cmd.arg[5], MAX_TRAINS, &s.trains) || !train_valid(s))
      return cmd.bad(BAD_TRAIN);
    const bool at = cmd.argc == 7;
    if (at && !parse_uint(cmd.arg[6], 0xFFFFFFFFUL, &start_us)) return cmd.bad("start time");
    cmd.ok(light_train(c, s, at, start_us)).send();
  } else if (!strcmp(v, "WDG")) {
    if (!cmd.args(1)) return;
    if (!parse_uint(cmd.arg[0], HOST_WATCHDOG_MAX_MS, &a)) return cmd.bad(BAD_WATCHDOG);
    host_watchdog_us = a * 1000;
    cmd.ok(clock_us()).send();
  } else if (!strcmp(v, "SINE")) {
    if (!cmd.args(2)) return;
    if (!parse_fixed(cmd.arg[0], 3, DRUM_MAX_AMP_DEG * 1000UL, &a)) return cmd.bad(BAD_AMPLITUDE);
    if (!parse_fixed(cmd.arg[1], 6, DRUM_MAX_FREQ_UHZ, &b) || b < DRUM_MIN_FREQ_UHZ)
      return cmd.bad(BAD_FREQUENCY);
    cmd.ok(drum_sine(a, b)).send();
  } else if (!strcmp(v, "STOP")) {
    if (cmd.args(0)) cmd.ok(drum_stop()).send();
  } else if (!strcmp(v, "RATE")) {
    if (!cmd.args(1)) return;
    if (!parse_fixed(cmd.arg[0], 3, DRUM_MAX_RATE_MHZ, &a) || a < DRUM_MIN_RATE_MHZ)
      return cmd.bad(BAD_RATE);
    cmd.ok(drum_rate(a)).send();
  } else {
    cmd.err(1, "unknown verb");
  }
}

void handle_line() {
  Command cmd;
  const LineStatus status = parse_command(line, &cmd);
  if (status == LINE_EMPTY) return;
  if (status == LINE_NOT_A_COMMAND) {
    Out::event('!', clock_us()).str(" no @<id> <VERB> command").send();
    return;
  }
  last_command_us = clock_us();
  host_watchdog_fired = false;
  execute(cmd);
}

void read_serial() {
  while (Serial.available() > 0) {
    const char ch = (char)Serial.read();
    if (ch == '\n') {
      if (line_overflow) {
        Out::event('!', clock_us()).str(" " LINE_TOO_LONG).send();
      } else {
        line[line_len] = 0;
        handle_line();
      }
      line_len = 0;
      line_overflow = false;
    } else if (ch != '\r') {
      if (line_len < MAX_LINE - 1) line[line_len++] = ch;
      else line_overflow = true;
    }
  }
}

// A few reports per pass, so that commands are still read while edges come faster than the line carries them.
void report_edges() {
  EdgeReport e;
  for (uint8_t i = 0; i < 4 && next_edge_report(&e); i++) {
    Out::event('E', e.t_us).str(" ").u32(e.channel).str(e.high ? " 1" : " 0").send();
  }
  const uint16_t lost = take_dropped_edge_reports();
  if (lost) Out::event('!', clock_us()).str(" dropped ").u32(lost).str(" edge reports").send();
}

void check_host_watchdog(uint32_t now) {
  if (host_watchdog_us == 0 || host_watchdog_fired || now - last_command_us < host_watchdog_us) return;
  host_watchdog_fired = true;
  Out::event('W', light_all_off()).send();
}

}  // namespace

void setup() {
  TIMSK0 = 0;  // Timer0 only drives the power PWM here; millis() is not used, its ISR would add latency
  light_begin();
  drum_begin();
  Serial.begin(SERIAL_BAUD);
  wdt_enable(WDTO_250MS);
  last_command_us = clock_us();
  Out::event('!', clock_us()).str(" ").str(reset_cause()).send();
}

void loop() {
  wdt_reset();
  read_serial();
  report_edges();
  const uint32_t now = clock_us();
  check_host_watchdog(now);
  uint32_t t;
  int32_t pos;
  if (drum_poll(now, &t, &pos)) Out::event('P', t).str(" ").fixed(pos, 4).send_if_room();
}

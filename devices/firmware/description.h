// Generated from devices/firmware/description.ts by `npm run describe`: do not edit.
#pragma once
#include <avr/io.h>

// answered to HELLO
#define DEVICE_NAME "hokr-rig"
#define PROTOCOL_VERSION 1
#define SERIAL_BAUD 115200UL
// bytes per line, including the '\n'
#define MAX_LINE 120
#define LINE_TOO_LONG "line longer than 120 bytes"
#define LIGHT_CHANNELS 2
// light gates: D9 (OC1A), D10 (OC1B)
#define GATE_PORTB_MASK (_BV(PB1) | _BV(PB2))
// drum servo: D11 (OC2A)
#define SERVO_PORTB_MASK _BV(PB3)
// light power: D6 (OC0A), D5 (OC0B)
#define POWER_PORTD_MASK (_BV(PD6) | _BV(PD5))
// Arduino numbers, by channel
#define POWER_PINS {6, 5}
// power at 100 % PWM: the top of the PWR range
#define POWER_FULL_SCALE_UW 20000UL
// Timer1 at clk/64
#define LIGHT_TICK_US 4
// shortest pulse and dark time
#define MIN_EDGE_SPACING_US 100UL
// longest width, period, train or gap
#define MAX_SPAN_US 2000000000UL
#define MAX_TRAINS 4294967295UL
// TRAIN's first pulse starts this long after the command runs
#define TRAIN_LEAD_US 64UL
#define HOST_WATCHDOG_DEFAULT_MS 2000UL
#define HOST_WATCHDOG_MAX_MS 3600000UL
// servo pulse width at position 0
#define SERVO_CENTRE_US 1500
#define SERVO_US_PER_DEG 10
// Timer2 at clk/32
#define SERVO_TICK_US 2
#define SERVO_FRAME_US 20000
#define DRUM_MAX_AMP_DEG 90
#define DRUM_MIN_FREQ_UHZ 1000UL
#define DRUM_MAX_FREQ_UHZ 5000000UL
#define DRUM_MIN_RATE_MHZ 1000UL
#define DRUM_MAX_RATE_MHZ 1000000UL
#define DRUM_DEFAULT_RATE_MHZ 100000UL
// ERR 2 texts
#define BAD_POWER "power (0-20 mW)"
#define BAD_TRAIN "train (width >= 100 us, dark >= 100 us between pulses and before the next train)"
#define BAD_WATCHDOG "watchdog time (0-3600000 ms)"
#define BAD_AMPLITUDE "amplitude (0-90 deg)"
#define BAD_FREQUENCY "frequency (0.001-5 Hz)"
#define BAD_RATE "rate (1-1000 Hz)"

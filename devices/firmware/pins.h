// hokr-rig pin map (Arduino Uno, ATmega328P @ 16 MHz). The pins and masks are in description.h, generated
// from description.ts, which the simulator harness (mocks/avr/) and the tests read too.
#pragma once
#include "description.h"

// Light gates: Timer1's output-compare pins, so the compare hardware (not an ISR) makes every pulse edge.
//   channel 0: D9  = PB1 = OC1A        channel 1: D10 = PB2 = OC1B
// Light power: Timer0 PWM (976 Hz) into an RC low-pass (e.g. 10 kΩ + 10 µF) and the LED driver's analog input.
//   channel 0: D6  = PD6 = OC0A        channel 1: D5  = PD5 = OC0B
// Drum servo: Timer2's output-compare pin, 50 Hz frames of 600–2400 µs pulses.
//   servo:     D11 = PB3 = OC2A
// Every one of these pins needs an external 10 kΩ pull-down: the bootloader and a reset leave them as inputs.
static const uint8_t POWER_PIN[LIGHT_CHANNELS] = POWER_PINS;

// Full-scale power (POWER_FULL_SCALE_UW, the top of PWR's range): the driver must emit this at the fibre tip
// when its analog input is at 5 V (rig calibration).

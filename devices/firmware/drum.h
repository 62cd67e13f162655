// Drum: a hobby/position servo driven by 50 Hz pulses on Timer2, following a sinusoid generated on the device.
#pragma once
#include <stdint.h>
// Servo scale (SERVO_CENTRE_US is position 0, SERVO_US_PER_DEG, positive = right), the amplitude, frequency
// (µHz; longer periods would outlast the 32-bit µs clock's wrap) and report rate (mHz) ranges.
#include "description.h"

void drum_begin();
// amp in millidegrees (0–90000), frequency in µHz; returns t, the device time of position 0.
uint32_t drum_sine(uint32_t amp_mdeg, uint32_t freq_uhz);
// Holds the present position; returns the device time.
uint32_t drum_stop();
// Returns the device time from which reports follow at the new rate.
uint32_t drum_rate(uint32_t rate_mhz);
// Main-loop work: prepares the next servo frame; returns true and fills a due position report.
bool drum_poll(uint32_t now_us, uint32_t* t_us, int32_t* pos_e4deg);

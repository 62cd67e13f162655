// Device clock and light pulse trains on Timer1 (prescaler 64: one tick = 4 µs).
#pragma once
#include <stdint.h>
// MIN_EDGE_SPACING_US (the compare ISR must re-arm within it), MAX_SPAN_US (keeps every schedule difference
// inside a signed 32-bit range), TRAIN_LEAD_US, LIGHT_TICK_US.
#include "description.h"

struct EdgeReport {
  uint32_t t_us;
  uint8_t channel;
  uint8_t high;
};

// Device clock, µs since reset, wrapping at 2^32 like Arduino's micros(); 4 µs resolution.
uint32_t clock_us();
// The same with interrupts already disabled (ISRs).
uint32_t clock_us_locked();

void light_begin();
// Each returns the device time of the change (for TRAIN: the channel switching off; pulses follow at the start).
uint32_t light_on(uint8_t channel);
uint32_t light_off(uint8_t channel);
uint32_t light_all_off();
struct TrainSpec {
  uint32_t width_us, period_us, train_us, gap_us, trains;
};
// Checks the spec; returns false when it is out of range (caller replies ERR 2).
bool train_valid(const TrainSpec& spec);
// Switches the channel off and starts the train: at `start_us` (device time) when `at` is set and that time is
// further ahead than TRAIN_LEAD_US (less than 2^31 µs ahead), otherwise TRAIN_LEAD_US from now.
uint32_t light_train(uint8_t channel, const TrainSpec& spec, bool at, uint32_t start_us);

// Edge reports queued by the ISRs and commands, oldest first. Returns false when the queue is empty.
bool next_edge_report(EdgeReport* out);
// Reports lost because the queue was full since the last call (the serial link is slower than the edges).
uint16_t take_dropped_edge_reports();

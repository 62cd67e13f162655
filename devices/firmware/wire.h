// The line protocol's framing (README.md, "Wire protocols"): command parsing, number parsing and reply formatting.
#pragma once
#include <stdint.h>
#include "description.h"  // MAX_LINE: bytes, including the '\n'
#define MAX_ARGS 8

// One outgoing line, built in RAM and written in one piece.
class Out {
 public:
  // "<kind> <t_us>": an event line (E, W, P, !).
  static Out event(char kind, uint32_t t_us);
  // "@<id>": the start of a reply.
  static Out reply(uint16_t id);
  Out& str(const char* s);
  Out& u32(uint32_t v);
  // v / 10^decimals, without trailing zeros ("-12.5", "3").
  Out& fixed(int32_t v, uint8_t decimals);
  // Waits for room in the serial transmit buffer: replies and edge reports are never dropped.
  void send();
  // Drops the line if the transmit buffer is too full (position reports: a later one replaces it).
  void send_if_room();

 private:
  char buf[MAX_LINE];
  uint8_t n = 0;
};

struct Command {
  uint16_t id;
  char* verb;
  char* arg[MAX_ARGS];
  uint8_t argc;

  Out ok(uint32_t t_us) const;
  void err(uint8_t code, const char* text) const;
  // Replies ERR 2 "bad <what>".
  void bad(const char* what) const;
  // True when there are exactly n arguments; otherwise replies ERR 2.
  bool args(uint8_t n) const;
  // True when there are min to max arguments (optional ones last); otherwise replies ERR 2.
  bool args(uint8_t min, uint8_t max) const;
};

enum LineStatus { LINE_COMMAND, LINE_EMPTY, LINE_NOT_A_COMMAND };
// Splits `line` in place into "@<id> <VERB> [args…]".
LineStatus parse_command(char* line, Command* out);

// Unsigned decimal integer ≤ max.
bool parse_uint(const char* s, uint32_t max, uint32_t* out);
// Unsigned decimal with a fraction, as an integer count of 10^-decimals units (rounded), ≤ max.
bool parse_fixed(const char* s, uint8_t decimals, uint32_t max, uint32_t* out);

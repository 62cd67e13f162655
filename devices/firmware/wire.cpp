#include "wire.h"
#include <Arduino.h>

Out Out::event(char kind, uint32_t t_us) {
  Out o;
  o.buf[o.n++] = kind;
  o.str(" ").u32(t_us);
  return o;
}

Out Out::reply(uint16_t id) {
  Out o;
  o.str("@").u32(id);
  return o;
}

Out& Out::str(const char* s) {
  while (*s && n < MAX_LINE - 1) buf[n++] = *s++;
  return *this;
}

Out& Out::u32(uint32_t v) {
  char digits[11];
  uint8_t k = 0;
  do {
    digits[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k && n < MAX_LINE - 1) buf[n++] = digits[--k];
  return *this;
}

Out& Out::fixed(int32_t v, uint8_t decimals) {
  if (v < 0) str("-");
  uint32_t mag = v < 0 ? -(uint32_t)v : (uint32_t)v;
  uint32_t scale = 1;
  for (uint8_t i = 0; i < decimals; i++) scale *= 10;
  u32(mag / scale);
  uint32_t frac = mag % scale;
  if (frac == 0) return *this;
  while (frac % 10 == 0) {
    frac /= 10;
    scale /= 10;
  }
  str(".");
  for (scale /= 10; scale > frac && scale > 1; scale /= 10) str("0");
  return u32(frac);
}

void Out::send() {
  buf[n++] = '\n';
  Serial.write((const uint8_t*)buf, n);
}

void Out::send_if_room() {
  if (Serial.availableForWrite() > n) send();
}

Out Command::ok(uint32_t t_us) const {
  Out o = Out::reply(id);
  o.str(" OK ").u32(t_us);
  return o;
}

void Command::err(uint8_t code, const char* text) const {
  Out::reply(id).str(" ERR ").u32(code).str(" ").str(text).send();
}

void Command::bad(const char* what) const {
  Out::reply(id).str(" ERR 2 bad ").str(what).send();
}

bool Command::args(uint8_t n) const { return args(n, n); }

bool Command::args(uint8_t min, uint8_t max) const {
  if (argc >= min && argc <= max) return true;
  Out o = Out::reply(id);
  o.str(" ERR 2 expected ").u32(min);
  if (max != min) o.str(" or ").u32(max);
  o.str(" arguments").send();
  return false;
}

LineStatus parse_command(char* line, Command* out) {
  char* fields[MAX_ARGS + 2];
  uint8_t count = 0;
  for (char* p = line; *p;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    if (count == MAX_ARGS + 2) return LINE_NOT_A_COMMAND;
    fields[count++] = p;
    while (*p && *p != ' ') p++;
  }
  if (count == 0) return LINE_EMPTY;
  uint32_t id;
  if (count < 2 || fields[0][0] != '@' || !parse_uint(fields[0] + 1, 65535, &id) || id == 0)
    return LINE_NOT_A_COMMAND;
  out->id = (uint16_t)id;
  out->verb = fields[1];
  out->argc = count - 2;
  for (uint8_t i = 0; i < out->argc; i++) out->arg[i] = fields[i + 2];
  return LINE_COMMAND;
}

namespace {
// v = 10·v + d unless that overflows 32 bits (constant limits: no division per digit on this 8-bit CPU).
bool push_digit(uint32_t* v, uint8_t d) {
  if (*v > 0xFFFFFFFFUL / 10 || (*v == 0xFFFFFFFFUL / 10 && d > 0xFFFFFFFFUL % 10)) return false;
  *v = *v * 10 + d;
  return true;
}
}  // namespace

bool parse_uint(const char* s, uint32_t max, uint32_t* out) {
  if (!*s) return false;
  uint32_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || !push_digit(&v, *s - '0')) return false;
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool parse_fixed(const char* s, uint8_t decimals, uint32_t max, uint32_t* out) {
  uint32_t v = 0;
  uint8_t int_digits = 0, frac_digits = 0;
  bool round_up = false, point = false;
  for (; *s; s++) {
    if (*s == '.' && !point) {
      point = true;
      continue;
    }
    if (*s < '0' || *s > '9') return false;
    const uint8_t d = *s - '0';
    if (point) {
      if (frac_digits++ >= decimals) {
        round_up |= frac_digits == decimals + 1 && d >= 5;
        continue;
      }
    } else {
      int_digits++;
    }
    if (!push_digit(&v, d)) return false;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  for (uint8_t i = frac_digits; i < decimals; i++) {
    if (!push_digit(&v, 0)) return false;
  }
  if (round_up) v++;
  if (v > max) return false;
  *out = v;
  return true;
}

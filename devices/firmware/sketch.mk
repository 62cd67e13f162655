# arduino-mk settings for hokr-rig (Debian: gcc-avr avr-libc arduino-core-avr arduino-mk). Used by Makefile.
BOARD_TAG = uno
ARDUINO_DIR = /usr/share/arduino
TARGET = hokr-rig
ARDUINO_LIBS =
# Debian's avr-gcc 5.4 compiles the Arduino 1.8 core only with these.
CXXFLAGS_STD = -std=gnu++11 -fno-threadsafe-statics -DDECIMAL_DIG=17
# Larger serial buffers: commands arrive in bursts, and telemetry should not stall the main loop.
CPPFLAGS += -DSERIAL_RX_BUFFER_SIZE=128 -DSERIAL_TX_BUFFER_SIZE=128
include $(ARDUINO_DIR)/Arduino.mk

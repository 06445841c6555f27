package io.cairn.hal.ipmi.internal;

/** IPMI session privilege levels a Cairn session may ask for. */
enum Privilege {
    OPERATOR(0x03), ADMINISTRATOR(0x04);

    final int level;

    Privilege(int level) {
        this.level = level;
    }
}

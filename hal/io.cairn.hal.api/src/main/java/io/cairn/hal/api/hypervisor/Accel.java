package io.cairn.hal.api.hypervisor;

/** CPU virtualisation: KVM, software emulation (TCG), or KVM when /dev/kvm is usable else TCG. */
public enum Accel {
    KVM, TCG, AUTO
}

package io.cairn.storage.stargate.internal.estore;

/** {@link ExtentStoreDisksTest} on two hal.sim block devices of 64 MiB (15 data slots each) instead of directories. */
class ExtentStoreDisksOnDeviceTest extends ExtentStoreDisksTest {

    @Override
    Medium medium() {
        return Medium.devices(64L << 20);
    }
}

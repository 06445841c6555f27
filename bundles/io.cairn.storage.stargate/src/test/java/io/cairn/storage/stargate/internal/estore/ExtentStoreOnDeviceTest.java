package io.cairn.storage.stargate.internal.estore;

/** {@link ExtentStoreTest} on a hal.sim block device of 64 MiB (15 data slots) instead of a directory. */
class ExtentStoreOnDeviceTest extends ExtentStoreTest {

    @Override
    Medium medium() {
        return Medium.devices(64L << 20);
    }
}

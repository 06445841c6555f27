/**
 * Pure rules of Stargate's I/O path (spec 20 §1, §3, §7, §12): vDisk geometry and splitting of
 * an I/O into vBlock pieces and controller shards, the OpLog-or-extent-store decision for a write,
 * and the full-pool guard that blocks user writes at 95%. No I/O, no threads, no OSGi here.
 */
package io.cairn.storage.stargate.internal.io;

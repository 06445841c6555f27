/**
 * Stargate's unified cache (spec 20 §6): an in-memory read cache of 4 KiB slices with a
 * single-touch and a multi-touch LRU pool, invalidated by writes before they are acknowledged.
 * Volatile by design: a restart empties it harmlessly.
 */
package io.cairn.storage.stargate.internal.cache;

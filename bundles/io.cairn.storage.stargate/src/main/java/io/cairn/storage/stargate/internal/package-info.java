/** Stargate's implementation; nothing here is exported. */
package io.cairn.storage.stargate.internal;

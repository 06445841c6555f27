/**
 * Drive layout of a node (spec 20 §2): which layers (Home, metadata, OpLog, Curator reservation,
 * extent store) each physical disk carries and their byte ranges. Pure computation over the
 * node's disk inventory; the records are plain data that serialise to JSON as they are, for
 * {@code GET /api/storage/v1/disks/{id}/layout} and the 2009 Cluster State page.
 */
package io.cairn.storage.stargate.internal.layout;

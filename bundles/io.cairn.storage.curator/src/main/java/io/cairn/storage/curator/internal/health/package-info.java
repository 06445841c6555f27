/**
 * Disk health (spec 20 §11): when a disk goes offline after I/O errors, when a SMART check brings
 * it back, and when it is permanently removed. Pure state machines over an injected clock; the
 * component that feeds them errors and SMART results, and acts on the transitions, is wired
 * separately.
 */
package io.cairn.storage.curator.internal.health;

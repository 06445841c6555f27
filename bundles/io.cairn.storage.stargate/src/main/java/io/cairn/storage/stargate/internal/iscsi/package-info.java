/**
 * Stargate's iSCSI portal (spec 40 §7, issue #8 item 2): every vDisk is a target
 * {@code iqn.2010-06.org.cairn:vmdisk-<vdisk uuid>} with LUN 0, served by the node that owns the
 * vDisk; a login anywhere else is redirected to the owner's portal. Persistent reservations live in
 * Zeus documents {@code iscsi/pr/<vdisk uuid>}.
 */
package io.cairn.storage.stargate.internal.iscsi;

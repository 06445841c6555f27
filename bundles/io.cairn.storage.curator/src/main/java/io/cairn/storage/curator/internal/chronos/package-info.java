/**
 * Chronos (spec 10 roles table, spec 20 §21): the background tasks a Curator scan emits, queued per
 * node in Medusa with priorities, run by a worker on every node under admission control so user I/O
 * keeps its share, and surviving a Curator leader failover.
 *
 * <p>A node's queue is one Medusa prefix, {@code chronos:<node>#task:<priority digit>:<task id>},
 * so a scan of {@code chronos:<node>#task:} lists it in priority order from one shard. Task ids are
 * deterministic ({@code protect:<vdisk>:<egroup>}, {@code delete_replica:<node>:<egroup>}), so a
 * leader re-emitting a task finds it and leaves it alone. A worker claims a task by compare-and-set
 * (state running, its incarnation, a heartbeat it renews) and deletes it by compare-and-set on the
 * claimed version; tasks are idempotent, so one whose runner stopped renewing is run again.
 * {@link io.cairn.storage.curator.internal.chronos.TaskPlacement} and
 * {@link io.cairn.storage.curator.internal.chronos.AdmissionPolicy} are pure and unit-tested.
 */
package io.cairn.storage.curator.internal.chronos;

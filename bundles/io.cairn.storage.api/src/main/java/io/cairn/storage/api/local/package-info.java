/**
 * This node's local metadata: an embedded, ordered byte-key store for facts that belong to this
 * node only (physical placement: which local disk holds an extent group, where extents and slices
 * lie inside it). It is never replicated; global metadata ({@link io.cairn.storage.api.medusa})
 * records only which node holds an extent group. If a node loses its local metadata, its disks are
 * treated as failed and their data is rebuilt from replicas elsewhere (spec 20 §5).
 *
 * <p><b>Suggested key layout for Stargate.</b> The store is generic; these conventions keep related
 * records next to each other in key order, so one prefix {@link LocalMetadataStore#scan scan}
 * reads them together, and keep ids in numeric order (fixed-width, zero-padded, lower-case hex;
 * byte order is then numeric order):
 * <table>
 * <caption>Key layout</caption>
 * <tr><th>Key (UTF-8)</th><th>Value</th></tr>
 * <tr><td>{@code egroup/<16-hex egroup id>}</td><td>disk id, egroup size and the CRC32C of each
 *     4 KiB slice (4 bytes per slice: 4 KiB for a 4 MiB egroup), in Stargate's own versioned
 *     binary encoding (a leading format byte)</td></tr>
 * <tr><td>{@code egroup/<16-hex egroup id>/extent/<extent id>}</td><td>the extent's slices and
 *     their offsets inside the egroup</td></tr>
 * <tr><td>{@code disk/<disk id>/egroup/<16-hex egroup id>}</td><td>empty: reverse index, "which
 *     egroups are on this disk" when a disk fails</td></tr>
 * </table>
 * An egroup record, its extent records and its reverse-index entry change together in one atomic
 * {@link LocalMetadataStore#write write}; {@code scan("egroup/00000000000000a1", null, n)} returns
 * the egroup record first, then its extents.
 */
@Export
@Version("1.0.0")
package io.cairn.storage.api.local;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

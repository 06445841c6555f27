/** Published readiness: dependants wait for a {@link io.cairn.common.ready.ReadyMarker} instead of guessing. */
@Export
@Version("1.1.0")
package io.cairn.common.ready;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

/** Time for behaviour: every timer, timeout and timestamp in Cairn comes from {@link io.cairn.common.clock.Clock}. */
@Export
@Version("1.1.0")
package io.cairn.common.clock;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

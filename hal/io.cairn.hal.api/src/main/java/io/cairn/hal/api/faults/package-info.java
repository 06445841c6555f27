/** Run-time fault injection into simulated devices (hal.sim), for tests and the cluster harness. */
@Export
@Version("1.1.0")
package io.cairn.hal.api.faults;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

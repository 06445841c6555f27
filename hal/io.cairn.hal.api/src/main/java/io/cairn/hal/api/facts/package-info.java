/** Facts about this node's hardware: CPU, memory, NICs. */
@Export
@Version("1.0.0")
package io.cairn.hal.api.facts;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

/** Baseboard management controllers: out-of-band power, boot device, sensors, inventory. */
@Export
@Version("1.1.0")
package io.cairn.hal.api.bmc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;

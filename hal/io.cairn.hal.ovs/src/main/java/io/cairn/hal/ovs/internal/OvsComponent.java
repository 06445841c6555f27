package io.cairn.hal.ovs.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.hal.api.vswitch.VirtualSwitch;

/**
 * Registers the node's {@link VirtualSwitch} once configured: either an existing OVS (its OVSDB
 * socket and run directory) or, with {@code private.daemons=true}, a private OVS started in
 * {@code run.dir} and stopped with the component.
 */
@Component(service = {}, configurationPid = OvsComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = OvsComponent.Config.class)
public final class OvsComponent {

    static final String PID = "io.cairn.hal.ovs";

    @ObjectClassDefinition(name = "Cairn Open vSwitch")
    public @interface Config {
        @AttributeDefinition(description = "OVS run directory (bridge .mgmt sockets live here)")
        String run_dir();

        @AttributeDefinition(description = "OVSDB unix socket; default RUN_DIR/db.sock", required = false)
        String db_socket() default "";

        @AttributeDefinition(description = "Start a private ovsdb-server and ovs-vswitchd in run.dir")
        boolean private_daemons() default false;

        @AttributeDefinition(description = "Seconds for each OVSDB transaction or ovs-ofctl call")
        int timeout_seconds() default 10;
    }

    private final OvsDaemons daemons;
    private final OvsSwitch vswitch;
    private final ServiceRegistration<VirtualSwitch> registration;

    @Activate
    public OvsComponent(BundleContext context, Config config) throws IOException {
        Path run = Path.of(config.run_dir());
        this.daemons = config.private_daemons() ? OvsDaemons.start(run) : null;
        Path socket = config.db_socket().isBlank() ? run.resolve("db.sock") : Path.of(config.db_socket());
        this.vswitch = new OvsSwitch(socket, run, Duration.ofSeconds(config.timeout_seconds()));
        this.registration = context.registerService(VirtualSwitch.class, vswitch, new Hashtable<>());
    }

    @Deactivate
    void deactivate() throws IOException {
        registration.unregister();
        vswitch.close();
        if (daemons != null) {
            daemons.close();
        }
    }
}

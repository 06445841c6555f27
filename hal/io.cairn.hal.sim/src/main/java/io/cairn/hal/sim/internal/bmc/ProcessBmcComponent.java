package io.cairn.hal.sim.internal.bmc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;

/** One process BMC per factory configuration of {@code io.cairn.hal.sim.bmc}. */
@Component(service = {}, configurationPid = ProcessBmcComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ProcessBmcComponent.Config.class, factory = true)
public final class ProcessBmcComponent {

    static final String PID = "io.cairn.hal.sim.bmc";

    @ObjectClassDefinition(name = "Cairn process BMC")
    public @interface Config {
        @AttributeDefinition(description = "Name of the simulated server")
        String name();

        @AttributeDefinition(description = "Power-on command, one argument per value")
        String[] start();

        @AttributeDefinition(description = "Power-off command; empty = SIGTERM the server", required = false)
        String[] stop() default {};

        @AttributeDefinition(description = "Pid file written by a daemonising start command", required = false)
        String pid_file() default "";

        @AttributeDefinition(description = "Where the commands' output goes")
        String log();

        @AttributeDefinition(description = "Seconds a command or a stopping server may take")
        int grace_seconds() default 40;
    }

    private final ServiceRegistration<Bmc> registration;

    @Activate
    public ProcessBmcComponent(BundleContext context, Config c, @Reference Clock clock) {
        ProcessBmc bmc = new ProcessBmc(c.name(), Arrays.asList(c.start()), Arrays.asList(c.stop()),
                c.pid_file().isBlank() ? Optional.empty() : Optional.of(Path.of(c.pid_file())), Path.of(c.log()),
                Duration.ofSeconds(c.grace_seconds()), clock);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("hal.provider", "sim");
        props.put("bmc.name", c.name());
        this.registration = context.registerService(Bmc.class, bmc, props);
    }

    /** Servers keep running when their BMC service goes away, as real servers do. */
    @Deactivate
    void deactivate() {
        registration.unregister();
    }
}

package io.cairn.appliance.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import io.cairn.common.clock.Clock;
import io.cairn.common.ready.ReadyMarker;

/** Boots exactly the bundles appliance.bndrun resolved, in a real Felix, and checks they work. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ApplianceBootTest {

    private static final long DEADLINE_MS = 20_000;

    @Inject
    private BundleContext context;

    @Inject
    private ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        File dir = new File(System.getProperty("cairn.image.bundles"));
        File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no appliance bundles in " + dir + "; build appliance-image first");
        }
        Arrays.sort(jars);
        List<Option> opts = new ArrayList<>();
        opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"));
        // what the launcher gives a controller: its home and address (a factory-state node here)
        try {
            opts.add(frameworkProperty("cairn.home").value(java.nio.file.Files.createTempDirectory("cairn-paxexam-home").toString()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        opts.add(frameworkProperty("cairn.node.ip").value("127.0.1.199"));
        opts.add(frameworkProperty("cairn.version").value("test"));
        for (File jar : jars) {
            opts.add(bundle(jar.toURI().toString()));
        }
        opts.add(junitBundles());
        return options(opts.toArray(new Option[0]));
    }

    @Test
    public void everyApplianceBundleIsActive() {
        int cairn = 0;
        for (Bundle b : context.getBundles()) {
            BundleRevision rev = b.adapt(BundleRevision.class);
            boolean fragment = rev != null && (rev.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            assertEquals(b.getSymbolicName() + " state", fragment ? Bundle.RESOLVED : Bundle.ACTIVE, b.getState());
            if (b.getSymbolicName().startsWith("io.cairn.")) {
                cairn++;
            }
        }
        assertTrue("the image's Cairn bundles are installed (found " + cairn + ")", cairn >= 3);
    }

    @Test
    public void clockServiceTellsTimeAndRunsTimers() throws Exception {
        ServiceReference<Clock> ref = context.getServiceReference(Clock.class);
        assertNotNull("Clock service registered; components: " + describeComponents(), ref);
        assertEquals("system", ref.getProperty("clock.type"));
        Clock clock = context.getService(ref);
        try {
            Instant now = clock.now();
            assertTrue("clock near real time: " + now,
                    Duration.between(now, Instant.now()).abs().compareTo(Duration.ofSeconds(5)) < 0);
            CountDownLatch fired = new CountDownLatch(1);
            clock.schedule(Duration.ofMillis(10), fired::countDown);
            assertTrue("timer fired", fired.await(10, TimeUnit.SECONDS));
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void everyDeclarativeServicesComponentIsActive() throws Exception {
        // a delayed service component is only SATISFIED until someone uses it: use every service once
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (clusterScoped(d)) {
                continue; // needs a cluster: checked below
            }
            for (String service : d.serviceInterfaces) {
                ServiceReference<?>[] refs = context.getServiceReferences(service, "(component.name=" + d.name + ")");
                assertNotNull(d.name + " registers " + service + "; components: " + describeComponents(), refs);
                assertNotNull(context.getService(refs[0]));
            }
        }
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        List<String> notActive;
        do {
            notActive = new ArrayList<>();
            int cairnComponents = 0;
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                assertTrue(d.name + " enabled", scr.isComponentEnabled(d));
                if (d.bundle.symbolicName.startsWith("io.cairn.")) {
                    cairnComponents++;
                }
                Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
                if (configs.isEmpty() && "require".equals(d.configurationPolicy)) {
                    continue; // e.g. one disk per factory configuration: none configured here
                }
                assertFalse(d.name + " has a configuration", configs.isEmpty());
                for (ComponentConfigurationDTO c : configs) {
                    if (clusterScoped(d)) {
                        // a factory-state node: what needs the cluster waits for it, nothing fails
                        if (c.state != ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                            notActive.add(d.name + " (cluster scope) state " + c.state + " in factory state");
                        }
                        continue;
                    }
                    if (c.state != ComponentConfigurationDTO.ACTIVE) {
                        notActive.add(d.name + " state " + c.state + (c.failure == null ? "" : " failure " + c.failure));
                    }
                }
            }
            assertTrue("Cairn declares components (found " + cairnComponents + ")", cairnComponents >= 7);
            if (notActive.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("components not active: " + notActive);
    }

    @Test
    public void nodeReadinessIsPublished() throws Exception {
        String filter = new ReadyMarker(ReadyMarker.NODE, "controller").filter();
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            ServiceReference<?>[] refs = context.getServiceReferences(ReadyMarker.class.getName(), filter);
            if (refs != null) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + filter + " marker; components: " + describeComponents());
    }

    private static boolean clusterScoped(ComponentDescriptionDTO d) {
        return ReadyMarker.CLUSTER_SCOPE.equals(d.properties.get(ReadyMarker.SCOPE));
    }

    private String describeComponents() {
        StringBuilder sb = new StringBuilder();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                sb.append(d.name).append('=').append(c.state).append(' ');
            }
        }
        return sb.toString();
    }
}

package io.cairn.test.roles.internal;

import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.common.ready.ReadyMarker;
import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.tasks.TaskContext;
import io.cairn.common.tasks.TaskHandler;

/** Task type {@code test.sleep}: records each start, then sleeps, reporting progress. */
@Component(service = TaskHandler.class, property = {TaskHandler.TYPE + "=test.sleep", ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE})
public final class SleepTask implements TaskHandler {

    private final Zeus zeus;
    private final String address;

    @Activate
    public SleepTask(@Reference Zeus zeus, @Reference LocalNode node) {
        this.zeus = zeus;
        this.address = node.identity().address();
    }

    @Override
    public String run(TaskContext context) throws Exception {
        JsonNode p = context.task().params().isEmpty() ? TickerRole.JSON.createObjectNode() : TickerRole.JSON.readTree(context.task().params());
        double seconds = p.path("seconds").asDouble(1);
        String doc = "test/runs/" + context.task().id();
        for (int i = 0; i < 20; i++) {
            Optional<VersionedDocument> cur = zeus.read(doc);
            int starts = cur.map(d -> Integer.parseInt(new String(d.data()).split(" ")[0])).orElse(0);
            try {
                zeus.write(doc, ((starts + 1) + " " + address).getBytes(), cur.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                break;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        long steps = Math.max(1, Math.round(seconds * 2));
        for (long s = 1; s <= steps; s++) {
            Thread.sleep(500);
            if (context.aborted()) {
                return "{\"aborted\":true}";
            }
            context.progress((int) (100 * s / steps), "slept " + s * 0.5 + " s");
        }
        return TickerRole.JSON.writeValueAsString(Map.of("slept", seconds, "node", address));
    }
}

package io.cairn.storage.curator.internal.chronos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.Op;

/**
 * The per-node task queues in Medusa. Node {@code n}'s tasks are the keys
 * {@code chronos:<n>#task:<priority digit>:<task id>} and its counters {@code chronos:<n>#counters}:
 * one routing part per node, so a node's queue is one shard, listed in priority order by one prefix
 * scan, and a task's completion and the counters change in one batch. Every change of a task is a
 * compare-and-set on the version last read; a conflict means someone else changed it first.
 */
public final class ChronosQueue {

    static final String PREFIX = "chronos:";
    private static final String TASKS = "#task:";
    private static final String COUNTERS = "#counters";
    private static final int PAGE = 1000;
    /** Tasks created in one batch (one shard, one write). */
    static final int BATCH = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(ChronosQueue.class);
    private final Medusa medusa;

    public ChronosQueue(Medusa medusa) {
        this.medusa = medusa;
    }

    /** A task in a node's queue: where it is, its id and priority (from the key), the version read and the record. */
    public record Queued(UUID node, String key, String id, Priority priority, long version, TaskRecord task) {
    }

    /** Tasks done and given up per kind on one node, since its queue was first used. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Counters(@JsonProperty("done") Map<String, Long> done, @JsonProperty("failed") Map<String, Long> failed) {
        public Counters {
            done = done == null ? Map.of() : Map.copyOf(done);
            failed = failed == null ? Map.of() : Map.copyOf(failed);
        }

        static final Counters NONE = new Counters(Map.of(), Map.of());

        Counters plusDone(String kind) {
            return new Counters(plus(done, kind), failed);
        }

        Counters plusFailed(String kind) {
            return new Counters(done, plus(failed, kind));
        }

        private static Map<String, Long> plus(Map<String, Long> m, String kind) {
            Map<String, Long> out = new TreeMap<>(m);
            out.merge(kind, 1L, Long::sum);
            return out;
        }
    }

    static String tasksPrefix(UUID node) {
        return PREFIX + node + TASKS;
    }

    static String taskKey(UUID node, Priority priority, String id) {
        return tasksPrefix(node) + priority.digit() + ":" + id;
    }

    static String countersKey(UUID node) {
        return PREFIX + node + COUNTERS;
    }

    /** Every task queued on {@code node}, most urgent first. */
    public List<Queued> list(UUID node) {
        String prefix = tasksPrefix(node);
        List<Queued> out = new ArrayList<>();
        String after = null;
        while (true) {
            List<Entry> page = medusa.scan(prefix, after, PAGE);
            for (Entry e : page) {
                try {
                    out.add(parse(node, prefix, e));
                } catch (RuntimeException bad) {
                    logger.warn("Chronos queue entry {} is not a task record and is skipped: {}", e.key(), bad.toString());
                }
            }
            if (page.size() < PAGE) {
                return out;
            }
            after = page.getLast().key();
        }
    }

    private static Queued parse(UUID node, String prefix, Entry e) {
        String rest = e.key().substring(prefix.length()); // <digit>:<id>
        Priority p = Priority.ofDigit(rest.charAt(0) - '0');
        return new Queued(node, e.key(), rest.substring(2), p, e.version(), read(e.value(), TaskRecord.class));
    }

    /**
     * Queues {@code tasks} on {@code node} for scan {@code execution}, each only where no task with
     * its key exists (compare-and-set on absent), in batches; returns the ones queued now.
     */
    List<Queued> enqueue(UUID node, List<Task> tasks, long execution, long now) {
        List<Queued> out = new ArrayList<>();
        for (int from = 0; from < tasks.size(); from += BATCH) {
            List<Task> chunk = tasks.subList(from, Math.min(tasks.size(), from + BATCH));
            List<Op> ops = new ArrayList<>();
            List<TaskRecord> records = new ArrayList<>();
            for (Task t : chunk) {
                TaskRecord r = TaskRecord.queued(t, execution, now);
                records.add(r);
                ops.add(new Op.Cas(taskKey(node, t.priority(), t.id()), Medusa.ABSENT, write(r)));
            }
            try {
                List<Long> versions = medusa.batch(ops);
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(new Queued(node, ops.get(i).key(), chunk.get(i).id(), chunk.get(i).priority(), versions.get(i), records.get(i)));
                }
            } catch (MedusaException e) {
                if (e.reason() != MedusaException.Reason.VERSION_CONFLICT) {
                    throw e;
                }
                // some exist already (queued meanwhile, e.g. by a former leader): one at a time, leaving those alone
                for (int i = 0; i < chunk.size(); i++) {
                    create(node, chunk.get(i).id(), chunk.get(i).priority(), records.get(i)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Creates the task unless its key exists; empty when it does. */
    Optional<Queued> create(UUID node, String id, Priority priority, TaskRecord r) {
        String key = taskKey(node, priority, id);
        try {
            long v = medusa.compareAndSet(key, Medusa.ABSENT, write(r));
            return Optional.of(new Queued(node, key, id, priority, v, r));
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Replaces the task's record if it is still at the version read; empty when it changed (or went) meanwhile. */
    Optional<Queued> update(Queued q, TaskRecord r) {
        try {
            long v = medusa.compareAndSet(q.key(), q.version(), write(r));
            return Optional.of(new Queued(q.node(), q.key(), q.id(), q.priority(), v, r));
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Deletes the task if it is still at the version read; false when it changed (or went) meanwhile. */
    boolean remove(Queued q) {
        try {
            medusa.delete(q.key(), q.version());
            return true;
        } catch (MedusaException e) {
            if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Moves the task to {@code node} at {@code priority} with record {@code r}, if it is still at
     * the version read. Within one node's queue that is one atomic batch; across nodes the old key
     * goes first, then the new one is created, so the task is never in two queues at once (a crash
     * in between loses it, and the next scan emits it again).
     */
    Optional<Queued> move(Queued q, UUID node, Priority priority, TaskRecord r) {
        String key = taskKey(node, priority, q.id());
        if (key.equals(q.key())) {
            return update(q, r);
        }
        if (node.equals(q.node())) {
            try {
                List<Long> v = medusa.batch(List.of(new Op.Delete(q.key(), q.version()), new Op.Cas(key, Medusa.ABSENT, write(r))));
                return Optional.of(new Queued(node, key, q.id(), priority, v.get(1), r));
            } catch (MedusaException e) {
                if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                    return Optional.empty();
                }
                throw e;
            }
        }
        if (!remove(q)) {
            return Optional.empty();
        }
        return create(node, q.id(), priority, r);
    }

    /**
     * Ends a run: with {@code r} null deletes the task (done), otherwise replaces its record with
     * {@code r} (back in the queue, or failed); in the same batch applies {@code count} (if any) to
     * the node's counters (compare-and-set: read again when another runner counted meanwhile).
     * False when the task changed meanwhile (its claim was taken over), and then nothing is written.
     */
    boolean finish(Queued claimed, TaskRecord r, java.util.function.UnaryOperator<Counters> count) {
        Op task = r == null ? new Op.Delete(claimed.key(), claimed.version()) : new Op.Cas(claimed.key(), claimed.version(), write(r));
        String countersKey = countersKey(claimed.node());
        while (true) {
            List<Op> ops = new ArrayList<>();
            ops.add(task);
            if (count != null) {
                Optional<Entry> c = medusa.get(countersKey);
                Counters before = c.map(e -> read(e.value(), Counters.class)).orElse(Counters.NONE);
                ops.add(new Op.Cas(countersKey, c.map(Entry::version).orElse(Medusa.ABSENT), write(count.apply(before))));
            }
            try {
                medusa.batch(ops);
                return true;
            } catch (MedusaException e) {
                if (e.reason() != MedusaException.Reason.VERSION_CONFLICT) {
                    throw e;
                }
                Optional<Entry> now = medusa.get(claimed.key());
                if (now.isEmpty() || now.get().version() != claimed.version() || count == null) {
                    return false;
                }
                // only the counters moved on: count again
            }
        }
    }

    /** The node's counters ({@link Counters#NONE} before its first task). */
    public Counters counters(UUID node) {
        return medusa.get(countersKey(node)).map(e -> read(e.value(), Counters.class)).orElse(Counters.NONE);
    }

    private static byte[] write(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] data, Class<T> type) {
        try {
            return JSON.readValue(data, type);
        } catch (IOException e) {
            throw new UncheckedIOException("a Chronos record is not valid JSON: " + e.getMessage(), e);
        }
    }
}

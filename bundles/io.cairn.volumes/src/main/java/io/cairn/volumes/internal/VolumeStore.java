package io.cairn.volumes.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.api.VersionedDocument;
import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * The Volumes documents in Zeus: {@value #GROUPS}{@code <name>} per volume group and {@value #DSIP}
 * (JSON). Every change is a compare-and-set on the document's version, re-read and re-applied when
 * another change won (up to {@value #ATTEMPTS} times), so concurrent commands on any nodes never lose
 * one another's changes; a create succeeds only if the name is free.
 */
final class VolumeStore {

    static final String GROUPS = "volumes/vg/";
    static final String DSIP = "volumes/dsip";
    private static final int ATTEMPTS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Zeus zeus;

    VolumeStore(Zeus zeus) {
        this.zeus = zeus;
    }

    Optional<VolumeGroup> group(String name) {
        return zeus.read(GROUPS + name).map(d -> decode(d, VolumeGroup.class));
    }

    List<VolumeGroup> groups() {
        List<VolumeGroup> out = new ArrayList<>();
        for (String name : zeus.list(GROUPS.substring(0, GROUPS.length() - 1)).stream().sorted().toList()) {
            group(name).ifPresent(out::add);
        }
        return out;
    }

    /** Creates the group's document; ALREADY_EXISTS when the name is taken. */
    void create(VolumeGroup vg) {
        try {
            zeus.write(GROUPS + vg.name(), encode(vg), VersionedDocument.ABSENT);
        } catch (CairnException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                throw new CairnException(ErrorCode.ALREADY_EXISTS, "a volume group named " + vg.name() + " exists already; choose another name");
            }
            throw e;
        }
    }

    /**
     * Applies {@code change} to the group as stored now and writes the result by compare-and-set,
     * again on a newer version when another change won. {@code change} validates and throws to refuse.
     */
    VolumeGroup update(String name, UnaryOperator<VolumeGroup> change) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            VersionedDocument doc = zeus.read(GROUPS + name).orElseThrow(() -> missing(name));
            VolumeGroup next = change.apply(decode(doc, VolumeGroup.class));
            try {
                zeus.write(GROUPS + name, encode(next), doc.version());
                return next;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "volume group " + name + " kept changing under " + ATTEMPTS
                + " attempts to change it; try again");
    }

    /** Deletes the group if {@code check} accepts it as stored now (it throws to refuse); returns what was deleted. */
    VolumeGroup delete(String name, java.util.function.Consumer<VolumeGroup> check) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            VersionedDocument doc = zeus.read(GROUPS + name).orElseThrow(() -> missing(name));
            VolumeGroup vg = decode(doc, VolumeGroup.class);
            check.accept(vg);
            try {
                zeus.delete(GROUPS + name, doc.version());
                return vg;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "volume group " + name + " kept changing while it was deleted; try again");
    }

    Optional<String> dsip() {
        return zeus.read(DSIP).map(d -> decode(d, Dsip.class).ip());
    }

    void setDsip(String ip) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<VersionedDocument> cur = zeus.read(DSIP);
            try {
                zeus.write(DSIP, encode(new Dsip(ip)), cur.map(VersionedDocument::version).orElse(VersionedDocument.ABSENT));
                return;
            } catch (CairnException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
        throw new CairnException(ErrorCode.CONFLICT, "the data services IP kept changing; try again");
    }

    /** The {@value #DSIP} document. */
    record Dsip(@com.fasterxml.jackson.annotation.JsonProperty("ip") String ip) {
    }

    static CairnException missing(String name) {
        return CairnException.notFound("no volume group named " + name + "; vg.list shows them");
    }

    static <T> T decode(VersionedDocument d, Class<T> type) {
        try {
            return JSON.readValue(d.data(), type);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "Zeus document " + d.name() + " is not a valid " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    static byte[] encode(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new CairnException(ErrorCode.INTERNAL, "cannot encode " + value + ": " + e.getMessage(), e);
        }
    }
}

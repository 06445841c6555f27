package io.cairn.common.alerts;

import java.util.List;

/** Raises, lists and acknowledges alerts; every node sees every alert. */
@org.osgi.annotation.versioning.ProviderType
public interface AlertService {

    Alert raise(String source, Severity severity, String title, String message);

    /** The newest {@code limit} alerts, oldest first. */
    List<Alert> list(int limit);

    /**
     * @throws io.cairn.common.error.CairnException NOT_FOUND for an unknown id
     */
    Alert acknowledge(String id, String by);
}

package io.cairn.storage.medusa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * Rules of the Medusa leader's retries: the wait before it tries again to move a shard's leadership
 * after failed transfers, and which group-management failures mean "the replica is still starting".
 */
class ControllerRetryTest {

    @Test
    void givenTheErrorsOfAReplicaThatIsStillStarting_thenCreationWaitsForIt_butNotForOtherErrors() {
        // as the Ratis admin client reports them (seen in the logs of a 3-node creation on a loaded machine)
        assertThat(MedusaController.starting(new java.io.IOException(
                "INTERNAL: 4b8c1e0d-6329-4981-bbcd-46636c2e83dd@group-F38DF9A66107: raftStorage is uninitialized."))).isTrue();
        assertThat(MedusaController.starting(new java.io.IOException(
                "INTERNAL: 4b8c1e0d-6329-4981-bbcd-46636c2e83dd@group-6FC81FE374F9: log is uninitialized."))).isTrue();
        assertThat(MedusaController.starting(new java.io.IOException("wrapped", new org.apache.ratis.protocol.exceptions.ServerNotReadyException(
                "69178f3a@group-092B1AF4E5F6 is not in [STARTING, RUNNING]: current state is NEW")))).isTrue();
        // what the admin client actually throws for a server-side IllegalStateException (VmDiskPathTest's creation)
        assertThat(MedusaController.starting(new org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException(
                org.apache.ratis.thirdparty.io.grpc.Status.INTERNAL.withDescription(
                        "28d4f7d1-d2a4-4208-83b9-289613e21eed@group-5283146D34AB: raftStorage is uninitialized.")))).isTrue();
        assertThat(MedusaController.starting(new org.apache.ratis.protocol.exceptions.AlreadyExistsException("group exists"))).isFalse();
        assertThat(MedusaController.starting(new java.io.IOException("UNAVAILABLE: io exception",
                new java.net.ConnectException("Connection refused")))).isFalse();
    }

    @Test
    void givenFailedTransfers_thenTheWaitDoublesFromTenSecondsUpToFiveMinutes() {
        assertThat(MedusaController.transferBackoff(0)).isEqualTo(Duration.ZERO);
        assertThat(MedusaController.transferBackoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(MedusaController.transferBackoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(MedusaController.transferBackoff(3)).isEqualTo(Duration.ofSeconds(40));
        assertThat(MedusaController.transferBackoff(4)).isEqualTo(Duration.ofSeconds(80));
        assertThat(MedusaController.transferBackoff(5)).isEqualTo(Duration.ofSeconds(160));
        assertThat(MedusaController.transferBackoff(6)).isEqualTo(Duration.ofMinutes(5));
        assertThat(MedusaController.transferBackoff(1000)).isEqualTo(Duration.ofMinutes(5));
    }
}

package io.cairn.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.cairn.common.error.CairnException;

/** {@code cairn cluster|genesis|zeus|tasks|alerts|hal|metrics|rpc ...}: exit 0 on success, 1 on failure, 2 on usage errors. */
public final class Main {

    static final String USAGE = """
            usage: cairn COMMAND ... [--home DIR | --node IP [--admin DIR]] [--json]
              cluster create --nodes IP,IP,IP[,...] [--name NAME] [--ft 1|2] [--blocks IP=BLOCK,...] [--racks IP=RACK,...] [--admin DIR]
                                     form a cluster from running factory-state controllers (cluster CA, certificates,
                                     Zookeeper ensemble on distinct blocks); the admin credentials go to --admin DIR
              cluster add-node --nodes IP[,IP...] --node IP [--blocks IP=BLOCK,...] [--racks IP=RACK,...] [--admin DIR]
                                     add running factory-state controllers to the cluster of --node (Medusa and
                                     Zookeeper rebalance onto them); one on another version is first brought to the
                                     cluster's (the image of --node's installer store, verified and installed by the node)
              cluster status         every CVM and the state of each of its services, the role leaders
              cluster start [SVC]    start every stopped service (or SVC) on every node
              cluster stop SVC       stop SVC on every node (stays down until cluster start)
              genesis status         this node's services and their pids
              genesis stop SVC       stop SVC on this node only (back with cluster start)
              zeus config            the cluster configuration as text (zeus_config_printer)
              zeus read DOC | zeus write DOC VERSION DATA   read / compare-and-set a configuration document
              medusa status          every metadata shard: leader, term, commit index, keys, members and their lag
              medusa compact         compact this node's metadata replicas (Raft snapshot, log purge, store compaction)
              medusa get KEY | medusa put KEY VALUE | medusa scan PREFIX#   read / write metadata (medusa_printer)
              medusa map             the shard map (members of every shard, node health)
              ncli sp ls             the storage pool: disks, capacity and use
              ncli ctr ls | ncli ctr create name=NAME [rf=2] [res-capacity=SIZE] [adv-capacity=SIZE] | ncli ctr remove name=NAME
              ncli vdisk ls [ctr=NAME] | ncli vdisk create ctr=NAME name=NAME size=SIZE (bytes or 10G) |
                ncli vdisk resize ctr=NAME name=NAME size=SIZE | ncli vdisk remove ctr=NAME name=NAME
                                     vDisks are served over NBD with TLS: nbds://NODE:10809/CONTAINER/VDISK
              ncli cluster get-domain-fault-tolerance-status type=node|rackable_unit   failures tolerable now, per component
              ncli cluster get-resilient-capacity [type=node|rackable_unit]   capacity usable while RF can still be restored after FT failures
              ncli cluster discover-nodes [timeout=S]   factory-state nodes the node finds (IPv6 link-local multicast, loopback registry)
              ncli cluster add-node node-uuid=UUID [cvm-ip=IP]   add a discovered node (as cluster add-node; --node IP --admin DIR)
              curator_cli get_under_replication_info summary=true   under-replicated extent groups per container
              curator_cli start_scan task_type=2|3   start a full (2) or partial (3) Curator scan now
              tasks list | tasks get ID | tasks submit TYPE [JSON] | tasks abort ID
              alerts list | alerts raise SEVERITY SOURCE TITLE [MESSAGE] | alerts ack ID
              hal fault list         this node's simulated disks and their injected faults (debug image: hal.sim)
              hal fault inject DEVICE KIND [op=read|write|any] [offset=N] [length=N] [millis=N]
                                     inject a fault into a simulated disk; KIND: eio (op, offset, length), latency
                                     (op, millis), disappear, full, bitflip (offset, length), smart_fail
              hal fault clear DEVICE|'*'   remove every fault of the device (or of every device)
              metrics                this node's metrics (Prometheus text format)
              rpc METHOD [JSON]      call any method (for debugging)
            Which controller: --home DIR (a node home on this machine: uses its address and credentials) or
            --node IP with the admin credentials of --admin DIR (default: $CAIRN_ADMIN, else ~/.cairn/admin).
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        if (a.isEmpty() || a.contains("--help") || a.contains("help")) {
            out.print(USAGE);
            return a.isEmpty() ? 2 : 0;
        }
        try {
            Options o = Options.parse(a);
            return new Commands(o, out).run();
        } catch (UsageException e) {
            err.println("cairn: " + e.getMessage());
            err.println("run 'cairn help' for the commands");
            return 2;
        } catch (CairnException e) {
            err.println("cairn: " + e.getMessage());
            return 1;
        }
    }

    /** A command line that cannot be understood. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}

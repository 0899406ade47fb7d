// Smoke check of a broker started by scripts/services.sh, optionally over SASL/SCRAM.
// Runs one describeCluster + listTopics round trip with kafka-clients' AdminClient.
//
//   java -cp '.cache/kafka-4.2.2/libs/*' scripts/services/check-sasl.java 127.0.0.1:29092
//   java -cp '.cache/kafka-4.2.2/libs/*' scripts/services/check-sasl.java 127.0.0.1:29094 SCRAM-SHA-512 warren PASSWORD
//
// Exit 0: answered (prints cluster id and topics). Exit 1: failed (prints the error, e.g.
// SaslAuthenticationException for a wrong password). The slf4j "no binding" or log lines go to stderr.
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;

public class CheckSasl {
    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 4) {
            System.err.println("usage: check-sasl.java BOOTSTRAP [MECHANISM USER PASSWORD]");
            System.exit(2);
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        if (args.length == 4) {
            p.put("security.protocol", "SASL_PLAINTEXT");
            p.put("sasl.mechanism", args[1]);
            p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"" + args[2].replace("\"", "\\\"") + "\""
                + " password=\"" + args[3].replace("\"", "\\\"") + "\";");
        }
        try (Admin admin = Admin.create(p)) {
            String clusterId = admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS);
            var topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(20, TimeUnit.SECONDS);
            System.out.println("ok cluster=" + clusterId + " topics=" + topics);
        } catch (ExecutionException e) {
            System.out.println("failed: " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
            System.exit(1);
        }
    }
}

/*
 * Waits until every node of a local broker can create a topic through its PLAINTEXT
 * listener and delete it through its SCRAM listener, which proves both listeners, the
 * SCRAM credentials and the controller quorum. One JVM retries for the whole wait:
 * launching TopicCommand per attempt costs 2-3 s of a 2-core machine each time.
 *
 *   java -cp 'lib/*' KafkaReady.java <timeoutMs> <user> <password> <plain:port> <sasl:port> [...]
 *
 * Exits 0 when ready; 1 with the last error on stderr after the timeout.
 */
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

public class KafkaReady {
  public static void main(String[] args) throws Exception {
    long deadline = System.currentTimeMillis() + Long.parseLong(args[0]);
    String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + args[1] + "\" password=\"" + args[2] + "\";";
    for (int i = 3; i + 1 < args.length; i += 2) {
      String topic = "tributary-ready-" + UUID.randomUUID();
      final int node = i;
      awaitOk(deadline, () -> {
        try (Admin admin = Admin.create(client(args[node], null))) {
          admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())))
              .all().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // An earlier attempt that timed out on our side may have created it after all.
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      });
      awaitOk(deadline, () -> {
        try (Admin admin = Admin.create(client(args[node + 1], jaas))) {
          admin.deleteTopics(List.of(topic)).all().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
        }
      });
    }
  }

  interface Attempt {
    void run() throws Exception;
  }

  private static void awaitOk(long deadline, Attempt attempt) throws InterruptedException {
    while (true) {
      try {
        attempt.run();
        return;
      } catch (Exception e) {
        if (System.currentTimeMillis() > deadline) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          System.err.println("not ready: " + cause);
          System.exit(1);
        }
        Thread.sleep(500);
      }
    }
  }

  private static Properties client(String bootstrap, String jaas) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    // Short timeouts: a node that is still starting should fail fast and be retried.
    props.put("request.timeout.ms", "5000");
    props.put("default.api.timeout.ms", "10000");
    props.put("socket.connection.setup.timeout.ms", "2000");
    if (jaas != null) {
      props.put("security.protocol", "SASL_PLAINTEXT");
      props.put("sasl.mechanism", "SCRAM-SHA-512");
      props.put("sasl.jaas.config", jaas);
    }
    return props;
  }
}

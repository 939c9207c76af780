import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * A producer that is not Tributary: Apache Avro's Java library (the reference
 * implementation) and the JDK's HTTP client write values the way Confluent's
 * KafkaAvroSerializer does. It registers the schema under the subject (auto-register),
 * then writes each record: magic byte 0, the schema id as a big-endian int32, the Avro
 * binary body.
 *
 *   java -cp AVRO_JARS ApacheAvroProducer.java REGISTRY_URL SUBJECT SCHEMA_JSON < records
 *
 * stdin: one record a line in Avro's JSON encoding (unions as {"type": value}).
 * stdout: the schema id, then one line of hex per record.
 */
public class ApacheAvroProducer {
  public static void main(String[] args) throws Exception {
    String registry = args[0];
    String subject = args[1];
    Schema schema = new Schema.Parser().parse(args[2]);

    String body = "{\"schema\":" + quote(schema.toString()) + "}";
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry + "/subjects/" + subject + "/versions"))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IllegalStateException("register: " + response.statusCode() + " " + response.body());
    var matcher = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(response.body());
    if (!matcher.find()) throw new IllegalStateException("no id in " + response.body());
    int id = Integer.parseInt(matcher.group(1));
    System.out.println(id);

    GenericDatumReader<Object> json = new GenericDatumReader<>(schema);
    GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isBlank()) continue;
      Object record = json.read(null, DecoderFactory.get().jsonDecoder(schema, line));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(0);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writer.write(record, encoder);
      encoder.flush();
      System.out.println(HexFormat.of().formatHex(out.toByteArray()));
    }
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

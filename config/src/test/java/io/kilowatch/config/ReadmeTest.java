package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** The README's key tables are the schema's documentation, so they must not drift from the code. */
class ReadmeTest {
  private static String readme() throws Exception {
    return Files.readString(Path.of("README.md"));
  }

  private static boolean documents(String readme, String key) {
    // A key appears in backticks, alone or as the last part of a dotted path (`retention.raw`).
    return Pattern.compile("`([A-Za-z]+\\.)?" + Pattern.quote(key) + "`").matcher(readme).find();
  }

  @Test
  void everyKeyTheLoaderAcceptsIsDocumented() throws Exception {
    String readme = readme();
    Set<String> keys = new TreeSet<>();
    Stream.of(
            SiteBinder.ROOT_KEYS,
            SiteBinder.SITE_KEYS,
            SiteBinder.STORE_KEYS,
            SiteBinder.RETENTION_KEYS,
            SiteBinder.INFLUXDB_KEYS,
            SiteBinder.BUFFER_KEYS,
            SiteBinder.COLLECTOR_KEYS,
            SiteBinder.WEB_KEYS,
            SiteBinder.INGEST_KEYS,
            SiteBinder.CLUSTER_KEYS,
            SiteBinder.RACK_KEYS,
            DeviceBinder.DEVICE_KEYS,
            DeviceBinder.MODBUS_KEYS,
            DeviceBinder.OPCUA_KEYS,
            DeviceBinder.DCGM_KEYS,
            DeviceBinder.NVML_KEYS,
            DeviceBinder.PUSH_KEYS,
            ProfileBinder.MODBUS_PROFILE_KEYS,
            ProfileBinder.OPCUA_PROFILE_KEYS,
            ProfileBinder.MODBUS_POINT_KEYS,
            ProfileBinder.OPCUA_POINT_KEYS,
            EnergyBinder.ENERGY_KEYS,
            EnergyBinder.CHANNEL_KEYS,
            AlertsBinder.ALERTS_KEYS,
            AlertsBinder.RULE_KEYS,
            AlertsBinder.RECEIVER_KEYS,
            AlertsBinder.ROUTE_KEYS,
            AlertsBinder.TOKEN_KEYS,
            JobsBinder.JOBS_KEYS,
            JobsBinder.SLURM_KEYS,
            JobsBinder.SLURM_CLI_KEYS)
        .forEach(keys::addAll);

    assertThat(keys).allMatch(k -> documents(readme, k), "documented in README.md");
  }

  @Test
  void everyKeyOfTheExampleIsDocumented() throws Exception {
    String readme = readme();
    Set<String> keys = new TreeSet<>();
    collectKeys(
        new Yaml().compose(new StringReader(Files.readString(Path.of("examples/site.yaml")))),
        keys);

    assertThat(keys).hasSizeGreaterThan(40).allMatch(k -> documents(readme, k), "documented");
  }

  private static void collectKeys(Node node, Set<String> keys) {
    if (node instanceof MappingNode m) {
      m.getValue()
          .forEach(
              t -> {
                String key = ((ScalarNode) t.getKeyNode()).getValue();
                keys.add(key);
                // Tag and field names are the user's own.
                if (!key.equals("tags") && !key.equals("match") && !key.equals("counterWidth")) {
                  collectKeys(t.getValueNode(), keys);
                }
              });
    } else if (node instanceof SequenceNode s) {
      List<Node> items = s.getValue();
      items.forEach(n -> collectKeys(n, keys));
    }
  }
}

package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePath;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePath;
import org.eclipse.milo.opcua.stack.core.types.structured.RelativePathElement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The demo CDU serves the model of the shipped profile {@code config/profiles/cdu-generic.yaml}.
 */
class CduProfileTest {
  private static final Path PROFILE = Path.of("../config/profiles/cdu-generic.yaml");
  private static DemoSite site;

  @BeforeAll
  static void start() throws Exception {
    site = DemoSite.start(DemoOptions.defaults());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> points(Map<String, Object> profile) {
    return (List<Map<String, Object>>) profile.get("points");
  }

  private static Map<String, Object> genericProfile() throws Exception {
    return new Yaml().load(Files.readString(PROFILE));
  }

  @Test
  void everyPointOfTheGenericProfileIsAGoodNumberOnTheDemoCdu() throws Exception {
    Matcher m = Pattern.compile("endpoint: \"?(opc\\.tcp://[^\"\\s]+)").matcher(site.siteYaml());
    assertThat(m.find()).isTrue();
    OpcUaClient client = OpcUaClient.create(m.group(1));
    try {
      client.connect();
      int ns = client.getNamespaceTable().getIndex(CduVariables.URI).intValue();
      var fields = new ArrayList<String>();
      var paths = new ArrayList<BrowsePath>();
      for (Map<String, Object> p : points(genericProfile())) {
        String[] segments = ((String) p.get("browsePath")).replace("{device}", "c1-cdu").split("/");
        assertThat(segments[0]).isEqualTo("Objects");
        var elements = new ArrayList<RelativePathElement>();
        for (int i = 1; i < segments.length; i++) {
          elements.add(
              new RelativePathElement(
                  NodeIds.HierarchicalReferences, false, true, new QualifiedName(ns, segments[i])));
        }
        paths.add(
            new BrowsePath(
                NodeIds.ObjectsFolder,
                new RelativePath(elements.toArray(RelativePathElement[]::new))));
        fields.add((String) p.get("field"));
      }
      var results = client.translateBrowsePaths(paths).getResults();
      var ids = new ArrayList<NodeId>();
      for (int i = 0; i < results.length; i++) {
        assertThat(results[i].getStatusCode().isGood()).as(fields.get(i)).isTrue();
        ids.add(
            results[i].getTargets()[0].getTargetId().toNodeIdOrThrow(client.getNamespaceTable()));
      }
      List<DataValue> values = client.readValues(0, TimestampsToReturn.Both, ids);
      var byField = new LinkedHashMap<String, Double>();
      for (int i = 0; i < values.size(); i++) {
        assertThat(values.get(i).getStatusCode().isGood()).as(fields.get(i)).isTrue();
        byField.put(fields.get(i), ((Number) values.get(i).getValue().getValue()).doubleValue());
      }
      assertThat(byField.get("delta_t_k"))
          .isCloseTo(byField.get("return_temp_c") - byField.get("supply_temp_c"), within(1e-6));
      assertThat(byField.get("supply_pressure_kpa"))
          .isCloseTo(
              byField.get("return_pressure_kpa") + byField.get("diff_pressure_kpa"), within(1e-6));
      // Water: heat removed kW ≈ 0.0697 × flow L/min × ΔT K.
      assertThat(byField.get("heat_removed_kw"))
          .isCloseTo(0.0697 * byField.get("flow_lpm") * byField.get("delta_t_k"), within(0.5));
      assertThat(byField.get("leak_state")).isEqualTo(0.0);
    } finally {
      client.disconnect();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDemoProfileWritesTheSameFieldsAsTheGenericOne() throws Exception {
    Map<String, Object> root = new Yaml().load(site.siteYaml());
    Map<String, Object> demo =
        ((List<Map<String, Object>>) root.get("profiles"))
            .stream().filter(p -> "demo-cdu".equals(p.get("id"))).findFirst().orElseThrow();

    assertThat(points(demo).stream().map(p -> p.get("measurement") + "." + p.get("field")))
        .containsExactlyInAnyOrderElementsOf(
            points(genericProfile()).stream()
                .map(p -> p.get("measurement") + "." + p.get("field"))
                .toList());
  }
}

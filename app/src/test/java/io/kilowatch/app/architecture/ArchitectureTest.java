package io.kilowatch.app.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The directions between kilowatch's modules, checked on the compiled main classes of every module
 * (this module depends on all of them): config ← store-api ← {collector, stores, analytics, alerts}
 * ← web ← app; the agent takes only the collector's NVML and line protocol; nothing uses app.
 */
@AnalyzeClasses(packages = "io.kilowatch", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule layers =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("config")
          .definedBy("io.kilowatch.config..")
          .layer("queue")
          .definedBy("io.kilowatch.queue..")
          .layer("store-api")
          .definedBy(
              "io.kilowatch.store",
              "io.kilowatch.device..",
              "io.kilowatch.time..",
              "io.kilowatch.jobs..")
          .layer("store-embedded")
          .definedBy("io.kilowatch.store.embedded..")
          .layer("store-influx")
          .definedBy("io.kilowatch.store.influx..")
          .layer("store-buffer")
          .definedBy("io.kilowatch.store.buffer..")
          .layer("testkit")
          .definedBy("io.kilowatch.testkit..")
          .layer("collector")
          .definedBy("io.kilowatch.collector..")
          .layer("analytics")
          .definedBy("io.kilowatch.analytics..")
          .layer("alerts")
          .definedBy("io.kilowatch.alerts..")
          .layer("simulator")
          .definedBy("io.kilowatch.simulator..")
          .layer("web")
          .definedBy("io.kilowatch.web..")
          .layer("agent")
          .definedBy("io.kilowatch.agent..")
          .layer("app")
          .definedBy("io.kilowatch.app..")
          .whereLayer("app")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("web")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("agent")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("simulator")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("store-embedded")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("store-influx")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("store-buffer")
          .mayOnlyBeAccessedByLayers("app")
          .whereLayer("queue")
          .mayOnlyBeAccessedByLayers("store-buffer", "alerts", "agent")
          // The demo serves its devices with the kit's fakes; nothing else in the product may.
          .whereLayer("testkit")
          .mayOnlyBeAccessedByLayers("simulator")
          .whereLayer("analytics")
          .mayOnlyBeAccessedByLayers("web", "app")
          .whereLayer("alerts")
          .mayOnlyBeAccessedByLayers("web", "app")
          .whereLayer("collector")
          .mayOnlyBeAccessedByLayers("web", "agent", "app")
          .whereLayer("store-api")
          .mayOnlyAccessLayers("config")
          .whereLayer("config")
          .mayNotAccessAnyLayer()
          .whereLayer("queue")
          .mayNotAccessAnyLayer()
          .whereLayer("simulator")
          .mayOnlyAccessLayers("testkit")
          .whereLayer("testkit")
          .mayOnlyAccessLayers("store-api", "config")
          .whereLayer("store-embedded")
          .mayOnlyAccessLayers("store-api", "config")
          .whereLayer("store-influx")
          .mayOnlyAccessLayers("store-api", "config")
          .whereLayer("store-buffer")
          .mayOnlyAccessLayers("store-api", "config", "queue")
          .whereLayer("web")
          .mayOnlyAccessLayers("analytics", "alerts", "collector", "store-api", "config")
          .whereLayer("collector")
          .mayOnlyAccessLayers("store-api", "config")
          .whereLayer("analytics")
          .mayOnlyAccessLayers("store-api", "config")
          .whereLayer("alerts")
          .mayOnlyAccessLayers("store-api", "config", "queue")
          .whereLayer("agent")
          .mayOnlyAccessLayers("collector", "store-api", "config", "queue");

  /** Each protocol collector stands alone on the shared core; none reaches into another. */
  @ArchTest
  static final ArchRule collectorsAreIndependent =
      slices().matching("io.kilowatch.collector.(*)..").should().notDependOnEachOther();

  /** The web server parses pushed line protocol; it does not poll devices. */
  @ArchTest
  static final ArchRule webTakesOnlyTheLineProtocol =
      noClasses()
          .that()
          .resideInAPackage("io.kilowatch.web..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.kilowatch.collector",
              "io.kilowatch.collector.modbus..",
              "io.kilowatch.collector.opcua..",
              "io.kilowatch.collector.snmp..",
              "io.kilowatch.collector.dcgm..",
              "io.kilowatch.collector.nvml..");

  /** What goes onto every GPU node: NVML, line protocol, the durable queue; no other protocol. */
  @ArchTest
  static final ArchRule agentTakesOnlyNvmlAndLineProtocol =
      noClasses()
          .that()
          .resideInAPackage("io.kilowatch.agent..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.kilowatch.collector.modbus..",
              "io.kilowatch.collector.opcua..",
              "io.kilowatch.collector.snmp..",
              "io.kilowatch.collector.dcgm..");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.kilowatch.(**)").should().beFreeOfCycles();
}

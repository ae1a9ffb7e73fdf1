package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.Granularity;
import io.kilowatch.config.AnalyticsConfig.Instrument;
import io.kilowatch.config.AnalyticsConfig.InstrumentKind;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster-scoped reports and the renewable split, on {@link ReportBuilderTest}'s synthetic July
 * (main 100 kWh/h, unattributed chiller 15 kWh/h, c1-pdu 50 kWh/h, c2-pdu 30 kWh/h with a 6 h gap)
 * plus a CDU in c1 drawing 2 kWh/h (1,488 kWh), worked out by hand.
 *
 * <p>Site: E_DC 74,400, E_IT 59,340, cooling 11,160 + 1,488 = 12,648, losses (derived) 74,400 −
 * 59,340 − 12,648 = 2,412 kWh. c1: E_IT 37,200, share s = 37,200 / 59,340; attributed cooling
 * 1,488; overhead O = 74,400 − 59,340 − 1,488 = 13,572.
 */
class ClusterReportTest {
  // R1: the c2 PDU counter's 6-hour gap counts in full (it kept counting), so E_IT = 37,200 +
  // 22,320
  // = 59,520 and c1's IT share is 37,200 / 59,520 = 0.625 in every hour.
  static final double S1 = 37_200.0 / 59_520;

  @TempDir Path dir;
  Store store;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    ReportBuilderTest.writeMonth(store);
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= ReportBuilderTest.HOURS * 3600; t += 300) {
      long s = ReportBuilderTest.FROM.getEpochSecond() + t;
      double h = t / 3600.0;
      batch.add(ReportBuilderTest.sample("cdu", "c1-cdu", s, 2 * h));
      // Roof PV: 10 kWh/h from 10:00 to 14:00 each day, 40 kWh a day, 1,240 kWh in July.
      double day = Math.floor(h / 24);
      double hod = h - 24 * day;
      double pv = 40 * day + 10 * Math.clamp(hod - 10, 0, 4);
      batch.add(ReportBuilderTest.sample("meter", "pv", s, pv));
    }
    store.write(batch);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /** The July site with a CDU in c1, the given instruments and optionally the PV meter. */
  SiteConfig site(List<Instrument> instruments, boolean pvMeter) throws Exception {
    SiteConfig base = ReportBuilderTest.site(dir);
    var a = base.analytics();
    var c = a.carbon();
    var carbon =
        new AnalyticsConfig.CarbonConfig(
            c.source(),
            c.fallbackGPerKwh(),
            c.residualMixGPerKwh(),
            instruments,
            c.timeout(),
            pvMeter ? new AnalyticsConfig.Meter("pv", "energy_kwh") : null);
    var analytics =
        new AnalyticsConfig(
            a.powerGapLimit(),
            a.coverageThreshold(),
            a.counterGapLimit(),
            a.kpiInterval(),
            a.loops(),
            a.hbmLimitC(),
            carbon,
            a.water(),
            a.reuse(),
            a.declared());
    var cdu = ReportBuilderTest.device("c1-cdu", DeviceKind.CDU, new Location("c1", null));
    var pdu1 = ReportBuilderTest.device("c1-pdu", DeviceKind.PDU, new Location("c1", "c1-r1"));
    var c1 = new Cluster("c1", "c1", List.of(new Rack("c1-r1", List.of(pdu1))), List.of(cdu));
    var devices = new ArrayList<>(base.devices());
    devices.add(ReportBuilderTest.device("pv", DeviceKind.METER, Location.FACILITY));
    var m = base.energy();
    return io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                base.site(),
                base.store(),
                base.web(),
                base.profiles(),
                List.of(c1, ReportBuilderTest.cluster("c2")),
                devices,
                new EnergyModel(
                    m.itLevel(),
                    m.facility(),
                    m.it(),
                    List.of(
                        new Channel("chiller", null, null, "energy_kwh", "power_w"),
                        new Channel(null, DeviceKind.CDU, null, "energy_kwh", "power_w")),
                    m.losses(),
                    m.other())))
        .withAnalytics(analytics);
  }

  static final List<Instrument> INSTRUMENTS =
      List.of(
          // 20 kWh every hour: 14,880 kWh
          new Instrument(
              "wind-ppa", InstrumentKind.PPA, null, null, Granularity.HOUR, 0.02, 0, true),
          // 10 MWh in July, spread over its hours by energy: 13.44 kWh of each hour's 100
          new Instrument(
              "go-2026", InstrumentKind.CERTIFICATE, null, null, Granularity.MONTH, 10, 0, true),
          new Instrument("roof", InstrumentKind.ONSITE, null, null, Granularity.MONTH, 5, 0, true));

  @Test
  void aClusterReportsHeadlineIsTheClustersAllocatedShare() throws Exception {
    var site = site(INSTRUMENTS, false);
    Report r =
        ReportBuilderTest.builder(site, store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, "c1", ReportBuilder.Progress.NONE);
    var h = r.headline();
    // O = 74,400 − 59,520 − 1,488 (c1's CDU) = 13,392, of which the chiller 11,160 and 2,232 rest
    double eDc = 37_200 + 1_488 + 13_392 * S1;
    double cooling = 1_488 + 11_160 * S1;
    double losses = 2_232 * S1;
    assertThat(h.itKwh()).isCloseTo(37_200, within(1e-6));
    assertThat(h.facilityKwh()).isCloseTo(eDc, within(1e-6));
    assertThat(h.coolingKwh()).isCloseTo(cooling, within(1e-6));
    assertThat(h.lossesKwh()).isCloseTo(losses, within(1e-6));
    assertThat(h.otherKwh()).isCloseTo(0, within(1e-9));
    assertThat(h.itShare()).isCloseTo(S1, within(1e-12));
    assertThat(h.pue()).isCloseTo(eDc / 37_200, within(1e-9));
    assertThat(h.ppueCooling()).isCloseTo((37_200 + cooling) / 37_200, within(1e-9));
    assertThat(h.ppuePowerDelivery()).isCloseTo((37_200 + losses) / 37_200, within(1e-9));
    assertThat(h.peakItKw()).isCloseTo(50, within(1e-6));
    assertThat(h.meanItKw()).isCloseTo(50, within(1e-9));
    // The cluster's row and its month carry the same allocation.
    assertThat(r.clusters())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.facilityShareKwh()).isCloseTo(eDc, within(1e-6));
            });
    var month = r.months().getFirst();
    assertThat(month.facilityKwh()).isCloseTo(eDc, within(1e-6));
    assertThat(month.coolingKwh()).isCloseTo(cooling, within(1e-6));
    assertThat(month.otherKwh()).isCloseTo(losses, within(1e-6));

    // Emissions hour by hour: every hour gives c1 50 + 2 + 18 × 50/80 = 63.25 kWh of E_DC (the c2
    // counter gap is known, R1); Σ = 63.25 × 744 = 47,058 kWh; CI 100 + 10 h sums to 5,160 a day.
    double share = 63.25 * 744;
    double location = 63.25 * 31 * 5_160 / 1000;
    // Renewables per hour: 20 (PPA) + 13.44 (GO) + 6.72 (on-site) of 100 kWh, 29,880 of 74,400
    double ren = 29_880.0 / 74_400;
    var c = r.carbon();
    assertThat(c.locationKg()).isCloseTo(location, within(1e-6));
    assertThat(c.marketKg()).isCloseTo(share * (1 - ren) * 0.4, within(1e-6));
    assertThat(c.cueLocation()).isCloseTo(location / 37_200, within(1e-9));
    assertThat(c.cueMarket()).isCloseTo(share * (1 - ren) * 0.4 / 37_200, within(1e-9));
    assertThat(c.renewables().ppaKwh()).isCloseTo(share * 0.2, within(1e-6));
    assertThat(c.renewables().certificatesKwh()).isCloseTo(share * 10_000 / 74_400, within(1e-6));
    assertThat(c.renewables().onsiteKwh()).isCloseTo(share * 5_000 / 74_400, within(1e-6));
    assertThat(c.renewableKwh()).isCloseTo(share * ren, within(1e-6));
    assertThat(c.ref()).isCloseTo(ren, within(1e-9));

    String csv = CanonicalText.csv(r);
    assertThat(csv)
        .contains("headline,c1,e_it,37200.000000000,kWh,measured,")
        .contains(String.format(java.util.Locale.ROOT, "headline,c1,e_dc,%.9f,kWh,computed,", eDc))
        .contains("headline,c1,e_cooling,")
        .contains("headline,c1,allocation_rule,\"per-cluster PUE: E_IT from the cluster")
        .doesNotContain("headline,site,")
        .containsPattern("month,2026-07,e_dc,[0-9.]+,kWh,computed,")
        .containsPattern("month,2026-07,e_it,[0-9.]+,kWh,measured,");
    assertThat(eed(r).get("e_dc").basis()).isEqualTo("computed");
    assertThat(eed(r).get("e_dc").value()).isCloseTo(eDc, within(1e-6));
    assertThat(eed(r).get("e_it").basis()).isEqualTo("measured");

    // The two clusters' allocated E_DC add back up to the site's.
    Report c2 =
        ReportBuilderTest.builder(site, store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, "c2", ReportBuilder.Progress.NONE);
    assertThat(c2.headline().facilityKwh())
        .isCloseTo(22_320 + 13_392 * 22_320.0 / 59_520, within(1e-6));
    assertThat(c2.headline().facilityKwh() + h.facilityKwh()).isCloseTo(74_400, within(1e-6));
    assertThat(c2.headline().coolingKwh() + h.coolingKwh()).isCloseTo(12_648, within(1e-6));

    // The document says whose figures these are and how they were allocated.
    var html = new java.io.ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.HTML, html);
    assertThat(html.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("<h1>Energy report: test, cluster c1</h1>")
        .contains("This cluster report: per-cluster PUE: E_IT from the cluster");
    var pdf = new java.io.ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.PDF, pdf);
    try (var doc = org.apache.pdfbox.Loader.loadPDF(pdf.toByteArray())) {
      assertThat(new org.apache.pdfbox.text.PDFTextStripper().getText(doc))
          .contains("Energy report: test, cluster c1");
    }
  }

  @Test
  void renewablesAreSplitByKindAndMatchTheMarketBasedFigure() throws Exception {
    Report r =
        ReportBuilderTest.builder(site(INSTRUMENTS, false), store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
    var c = r.carbon();
    // PPA 20 kWh × 744 h; GO 10 MWh and on-site 5 MWh, July being wholly inside the period
    assertThat(c.renewables().ppaKwh()).isCloseTo(14_880, within(1e-6));
    assertThat(c.renewables().certificatesKwh()).isCloseTo(10_000, within(1e-6));
    assertThat(c.renewables().onsiteKwh()).isCloseTo(5_000, within(1e-6));
    assertThat(c.renewables().onsiteBasis()).isEqualTo("declared");
    assertThat(c.renewableKwh()).isCloseTo(29_880, within(1e-6));
    assertThat(c.ref()).isCloseTo(29_880.0 / 74_400, within(1e-9));
    // Market-based: what no instrument covers at the 400 g/kWh residual mix, each kWh once
    assertThat(c.marketKg()).isCloseTo((74_400 - 29_880) * 0.4, within(1e-6));
    var eed = eed(r);
    assertThat(eed.get("e_res_tot").value()).isCloseTo(29_880, within(1e-6));
    assertThat(eed.get("e_res_go").value()).isCloseTo(10_000, within(1e-6));
    assertThat(eed.get("e_res_go").basis()).isEqualTo("declared");
    assertThat(eed.get("e_res_ppa").value()).isCloseTo(14_880, within(1e-6));
    assertThat(eed.get("e_res_onsite").basis()).isEqualTo("declared");
    assertThat(eed.get("ref").value()).isCloseTo(29_880.0 / 74_400, within(1e-9));
    assertThat(CanonicalText.csv(r))
        .contains("carbon,site,renewable_ppa_kwh,14880.000000000,kWh,declared,")
        .contains("carbon,site,renewable_onsite_kwh,5000.000000000,kWh,declared,");
  }

  @Test
  void meteredOnsiteGenerationCoversEnergyFirstAndIsMarkedMeasured() throws Exception {
    var instruments = INSTRUMENTS.subList(0, 2);
    Report r =
        ReportBuilderTest.builder(site(instruments, true), store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
    var c = r.carbon();
    // PV 40 kWh a day × 31 = 1,240 kWh; PPA 14,880; GO 10,000: 26,120 of 74,400 kWh
    assertThat(c.renewables().onsiteKwh()).isCloseTo(1_240, within(1e-6));
    assertThat(c.renewables().onsiteBasis()).isEqualTo("measured");
    assertThat(c.renewables().ppaKwh()).isCloseTo(14_880, within(1e-6));
    assertThat(c.renewables().certificatesKwh()).isCloseTo(10_000, within(1e-6));
    assertThat(c.ref()).isCloseTo(26_120.0 / 74_400, within(1e-9));
    assertThat(c.marketKg()).isCloseTo((74_400 - 26_120) * 0.4, within(1e-6));
    assertThat(eed(r).get("e_res_onsite").basis()).isEqualTo("measured");
    assertThat(r.meters())
        .anySatisfy(
            m -> {
              assertThat(m.role()).isEqualTo("onsite-generation");
              assertThat(m.device()).isEqualTo("pv");
            });
  }

  private static Map<String, Report.EedField> eed(Report r) {
    var out = new HashMap<String, Report.EedField>();
    r.eed().forEach(e -> out.put(e.id(), e));
    return out;
  }
}

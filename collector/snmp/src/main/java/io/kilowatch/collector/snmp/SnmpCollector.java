package io.kilowatch.collector.snmp;

import io.kilowatch.collector.DeviceCollector;
import io.kilowatch.collector.PointErrorLog;
import io.kilowatch.collector.Readings;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Profile.SnmpPoint;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Vocabulary;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.snmp4j.PDU;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

/**
 * Polls one SNMP agent: scalars with GET (several per request), table columns with GETBULK walks
 * (all columns of the profile side by side, {@code maxRepetitions} rows per request).
 *
 * <p>What a poll gives:
 *
 * <ul>
 *   <li>a value: GOOD, {@code raw × 10^-decimalDigits × scale + offset};
 *   <li>noSuchObject, noSuchInstance, a text that is no number, a table row that one column lacks
 *       (its walk ended with endOfMibView or left the column): that point BAD, the OID in the
 *       reason;
 *   <li>an agent error status for a request (genErr...): that request's points BAD, the status and
 *       OID named;
 *   <li>no answer within the device's timeout (split between the tries), or refused credentials:
 *       the poll throws, so the scheduler marks the device down and backs off.
 * </ul>
 */
public final class SnmpCollector implements DeviceCollector {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration BACKSTOP_MARGIN = Duration.ofMillis(200);

  /** Values per GET: small enough for any agent's message size, large enough for few requests. */
  static final int MAX_GET_VARBINDS = 24;

  /** Columns per GETBULK: each brings maxRepetitions values, so the answer stays small. */
  static final int MAX_BULK_COLUMNS = 8;

  private final Device device;
  private final Source.Snmp source;
  private final Profile.Snmp profile;
  private final SiteConfig site;
  private final Clock clock;
  private final Duration pollTimeout;
  private final PointErrorLog errorLog;
  private volatile SnmpSession session;
  private volatile boolean closed;
  private long requests;

  public SnmpCollector(
      Device device, Source.Snmp source, Profile.Snmp profile, SiteConfig site, Clock clock) {
    this.device = Objects.requireNonNull(device, "device");
    this.source = Objects.requireNonNull(source, "source");
    this.profile = Objects.requireNonNull(profile, "profile");
    this.site = site;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (source.port() < 1 || source.port() > 65535) {
      throw new IllegalArgumentException("device " + device.id() + ": bad port " + source.port());
    }
    this.pollTimeout =
        device.timeout() != null && device.timeout().isPositive()
            ? device.timeout()
            : DEFAULT_TIMEOUT;
    this.errorLog = new PointErrorLog(device.id());
  }

  @Override
  public Device device() {
    return device;
  }

  /** Requests sent so far (GET and GETBULK, not counting snmp4j's own retries). */
  public synchronized long requests() {
    return requests;
  }

  @Override
  public synchronized List<Sample> poll() throws Exception {
    if (closed) {
      throw new IllegalStateException("collector of " + device.id() + " is closed");
    }
    // Give up a fifth (at most 200 ms) before the scheduler's timeout, so that a silent agent
    // fails with this collector's message (address, tries) rather than the scheduler's cut.
    Duration fifth = pollTimeout.dividedBy(5);
    long deadline =
        System.nanoTime()
            + pollTimeout
                .minus(fifth.compareTo(BACKSTOP_MARGIN) < 0 ? fifth : BACKSTOP_MARGIN)
                .toNanos();
    if (session == null) {
      session = new SnmpSession(source);
      if (closed) {
        // close() ran while the session was being opened: it found none to close.
        session.close();
        throw new IllegalStateException("collector of " + device.id() + " is closed");
      }
    }
    var readings = new Readings(site, device, clock.instant());
    var errors = new LinkedHashMap<String, String>();
    try {
      scalars(readings, errors, deadline);
      tables(readings, errors, deadline);
    } catch (IOException e) {
      if (closed) {
        throw new IOException("collector of " + device.id() + " closed during a request", e);
      }
      throw e;
    }
    errorLog.update(errors);
    return readings.samples();
  }

  @Override
  public Map<String, String> pointErrors() {
    return errorLog.current();
  }

  // ---- scalars ----------------------------------------------------------------------------

  private void scalars(Readings readings, Map<String, String> errors, long deadline)
      throws IOException {
    var oids = new LinkedHashSet<OID>();
    for (SnmpPoint p : profile.scalars()) {
      oids.add(new OID(p.oid()));
      if (p.decimalDigits() != null) {
        oids.add(new OID(p.decimalDigits()));
      }
    }
    Map<OID, Object> got = get(new ArrayList<>(oids), deadline);
    for (SnmpPoint p : profile.scalars()) {
      Object value = got.get(new OID(p.oid()));
      Object digits = p.decimalDigits() == null ? null : got.get(new OID(p.decimalDigits()));
      emit(readings, errors, p, p.name(), p.tags(), value, p.oid(), digits, p.decimalDigits());
    }
  }

  /**
   * GETs the OIDs, {@value #MAX_GET_VARBINDS} per request; an agent that answers tooBig gets
   * halves. Each OID maps to its {@link Variable}, or to a String: why the agent gave none.
   */
  private Map<OID, Object> get(List<OID> oids, long deadline) throws IOException {
    var out = new HashMap<OID, Object>();
    for (int i = 0; i < oids.size(); i += MAX_GET_VARBINDS) {
      getChunk(oids.subList(i, Math.min(oids.size(), i + MAX_GET_VARBINDS)), deadline, out);
    }
    return out;
  }

  private void getChunk(List<OID> oids, long deadline, Map<OID, Object> out) throws IOException {
    PDU pdu = session.pdu(PDU.GET);
    oids.forEach(o -> pdu.add(new VariableBinding(o)));
    PDU response = send(pdu, deadline);
    if (response.getErrorStatus() == PDU.tooBig && oids.size() > 1) {
      getChunk(oids.subList(0, oids.size() / 2), deadline, out);
      getChunk(oids.subList(oids.size() / 2, oids.size()), deadline, out);
      return;
    }
    if (response.getErrorStatus() != PDU.noError) {
      int index = response.getErrorIndex();
      String at = index >= 1 && index <= oids.size() ? " at " + oids.get(index - 1) : "";
      String why =
          "agent answered "
              + response.getErrorStatusText()
              + " (error-status "
              + response.getErrorStatus()
              + ")"
              + at;
      oids.forEach(o -> out.put(o, why));
      return;
    }
    for (VariableBinding vb : response.getVariableBindings()) {
      out.put(vb.getOid(), vb.getVariable());
    }
  }

  // ---- tables -----------------------------------------------------------------------------

  /** A column walk: the OID prefix before the row index, and what the walk found under it. */
  private static final class Walk {
    final OID prefix;
    OID last;
    boolean done;
    String ended;
    final Map<OID, Variable> found = new LinkedHashMap<>();

    Walk(OID prefix) {
      this.prefix = prefix;
      this.last = prefix;
    }
  }

  private void tables(Readings readings, Map<String, String> errors, long deadline)
      throws IOException {
    if (profile.tables().isEmpty()) {
      return;
    }
    var walks = new LinkedHashMap<OID, Walk>();
    for (Profile.SnmpTable t : profile.tables()) {
      for (SnmpPoint c : t.columns()) {
        walks.computeIfAbsent(ColumnOid.of(c.oid()).prefix(), Walk::new);
        if (c.decimalDigits() != null) {
          walks.computeIfAbsent(ColumnOid.of(c.decimalDigits()).prefix(), Walk::new);
        }
      }
    }
    walk(new ArrayList<>(walks.values()), deadline);
    for (Profile.SnmpTable t : profile.tables()) {
      // Rows: every index any column of the table has, in the agent's order.
      var rows = new TreeMap<OID, String>();
      for (SnmpPoint c : t.columns()) {
        ColumnOid col = ColumnOid.of(c.oid());
        for (OID oid : walks.get(col.prefix()).found.keySet()) {
          OID index = col.index(oid);
          if (index != null) {
            rows.putIfAbsent(index, index.toDottedString());
          }
        }
      }
      if (rows.isEmpty()) {
        Walk first = walks.get(ColumnOid.of(t.columns().getFirst().oid()).prefix());
        errors.put(
            "table " + t.name(),
            "no rows under "
                + first.prefix
                + (first.ended == null ? "" : " (" + first.ended + ")"));
        continue;
      }
      for (var row : rows.entrySet()) {
        for (SnmpPoint c : t.columns()) {
          ColumnOid col = ColumnOid.of(c.oid());
          Walk w = walks.get(col.prefix());
          OID oid = col.at(row.getKey());
          Object value = w.found.get(oid);
          if (value == null) {
            value =
                w.ended != null
                    ? w.ended + ": no " + oid
                    : "noSuchInstance: the agent's column has no " + oid;
          }
          Object digits = null;
          String digitsOid = null;
          if (c.decimalDigits() != null) {
            ColumnOid dc = ColumnOid.of(c.decimalDigits());
            OID d = dc.at(row.getKey());
            digitsOid = d.toDottedString();
            digits = walks.get(dc.prefix()).found.get(d);
            if (digits == null) {
              digits = "noSuchInstance: no decimal digits at " + d;
            }
          }
          var tags = new TreeMap<String, String>(c.tags());
          tags.put(t.indexTag(), row.getValue());
          emit(
              readings,
              errors,
              c,
              c.name() + "[" + row.getValue() + "]",
              tags,
              value,
              oid.toDottedString(),
              digits,
              digitsOid);
        }
      }
    }
  }

  /**
   * Walks every column side by side with GETBULK, {@value #MAX_BULK_COLUMNS} columns per request
   * and {@code maxRepetitions} rows each, until each column's walk leaves its prefix or reaches
   * endOfMibView.
   */
  private void walk(List<Walk> walks, long deadline) throws IOException {
    while (true) {
      List<Walk> active = walks.stream().filter(w -> !w.done).limit(MAX_BULK_COLUMNS).toList();
      if (active.isEmpty()) {
        return;
      }
      PDU pdu = session.pdu(PDU.GETBULK);
      pdu.setNonRepeaters(0);
      pdu.setMaxRepetitions(source.maxRepetitions());
      active.forEach(w -> pdu.add(new VariableBinding(w.last)));
      PDU response = send(pdu, deadline);
      if (response.getErrorStatus() != PDU.noError) {
        String why =
            "agent answered "
                + response.getErrorStatusText()
                + " (error-status "
                + response.getErrorStatus()
                + ") to a walk";
        active.forEach(
            w -> {
              w.done = true;
              w.ended = why;
            });
        continue;
      }
      var vbs = response.getVariableBindings();
      boolean progress = false;
      for (int i = 0; i < vbs.size(); i++) {
        Walk w = active.get(i % active.size());
        if (w.done) {
          continue;
        }
        VariableBinding vb = vbs.get(i);
        if (vb.getVariable().getSyntax() == org.snmp4j.smi.SMIConstants.EXCEPTION_END_OF_MIB_VIEW) {
          w.done = true;
          w.ended = "endOfMibView after " + w.last;
        } else if (!vb.getOid().startsWith(w.prefix) || vb.getOid().size() <= w.prefix.size()) {
          w.done = true;
        } else if (vb.getOid().compareTo(w.last) <= 0) {
          // An agent that does not move forward would keep the walk going for ever.
          w.done = true;
          w.ended = "agent returned " + vb.getOid() + " after " + w.last + " (not increasing)";
        } else {
          w.found.put(vb.getOid(), vb.getVariable());
          w.last = vb.getOid();
          progress = true;
        }
      }
      if (!progress) {
        active.forEach(w -> w.done = true);
      }
    }
  }

  // ---- values -----------------------------------------------------------------------------

  private void emit(
      Readings readings,
      Map<String, String> errors,
      SnmpPoint p,
      String name,
      Map<String, String> tags,
      Object value,
      String oid,
      Object digits,
      String digitsOid) {
    String measurement = Vocabulary.measurementOf(p, device);
    String why = null;
    double stored = Double.NaN;
    if (value instanceof String s) {
      why = s;
    } else {
      var n = SnmpValues.of((Variable) value);
      if (n instanceof SnmpValues.NotANumber(String reason)) {
        why = reason + " at " + oid;
      } else {
        int d = 0;
        if (digitsOid != null) {
          if (digits instanceof String s) {
            why = s;
          } else if (SnmpValues.of((Variable) digits) instanceof SnmpValues.Value(double dv)
              && dv >= 0
              && dv <= 9
              && dv == Math.rint(dv)) {
            d = (int) dv;
          } else {
            why = "decimal digits at " + digitsOid + " are not 0..9: " + digits;
          }
        }
        if (why == null) {
          stored = SnmpValues.scaled(((SnmpValues.Value) n).raw(), d, p.scale(), p.offset());
        }
      }
    }
    if (why != null || !Double.isFinite(stored)) {
      errors.put(name, why != null ? why : "value beyond a double at " + oid);
      readings.add(measurement, tags, p.field(), Double.NaN, Quality.BAD);
    } else {
      readings.add(measurement, tags, p.field(), stored, Quality.GOOD);
    }
  }

  private PDU send(PDU pdu, long deadline) throws IOException {
    synchronized (this) {
      requests++;
    }
    return session.send(pdu, deadline);
  }

  /** A column's OID split around the row index: prefix, then index, then a fixed suffix. */
  record ColumnOid(OID prefix, int[] suffix) {
    static ColumnOid of(String pattern) {
      int at = pattern.indexOf(SnmpPoint.INDEX);
      String before = pattern.substring(0, at - 1);
      String after = pattern.substring(at + SnmpPoint.INDEX.length());
      return new ColumnOid(
          new OID(before), after.isEmpty() ? new int[0] : new OID(after.substring(1)).getValue());
    }

    /** The row index of an OID under this column, or null if it does not end with the suffix. */
    OID index(OID oid) {
      int[] v = oid.getValue();
      int from = prefix.size();
      int to = v.length - suffix.length;
      if (to <= from) {
        return null;
      }
      for (int i = 0; i < suffix.length; i++) {
        if (v[to + i] != suffix[i]) {
          return null;
        }
      }
      return new OID(java.util.Arrays.copyOfRange(v, from, to));
    }

    /** This column's OID for a row. */
    OID at(OID index) {
      OID o = new OID(prefix);
      o.append(index);
      for (int s : suffix) {
        o.append(s);
      }
      return o;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ColumnOid c
          && c.prefix.equals(prefix)
          && java.util.Arrays.equals(c.suffix, suffix);
    }

    @Override
    public int hashCode() {
      return prefix.hashCode() * 31 + java.util.Arrays.hashCode(suffix);
    }

    @Override
    public String toString() {
      return prefix + ".{index}" + (suffix.length == 0 ? "" : "." + new OID(suffix));
    }
  }

  /** The shared snmp4j session this collector's requests go through, null before its first poll. */
  SharedSnmp transport() {
    SnmpSession s = session;
    return s == null ? null : s.shared();
  }

  @Override
  public void close() {
    closed = true;
    SnmpSession s = session;
    if (s != null) {
      s.close();
    }
  }
}

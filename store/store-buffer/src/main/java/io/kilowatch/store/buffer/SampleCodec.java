package io.kilowatch.store.buffer;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A batch of samples as bytes and back: the payload of one buffer record. */
final class SampleCodec {
  private static final byte VERSION = 1;

  private SampleCodec() {}

  static byte[] encode(List<Sample> batch) {
    var bytes = new ByteArrayOutputStream(64 + batch.size() * 64);
    try (var out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(batch.size());
      for (Sample s : batch) {
        out.writeLong(s.time().getEpochSecond());
        out.writeInt(s.time().getNano());
        out.writeUTF(s.measurement());
        out.writeByte(s.quality().code());
        out.writeInt(s.tags().size());
        for (Map.Entry<String, String> t : s.tags().entrySet()) {
          out.writeUTF(t.getKey());
          out.writeUTF(t.getValue());
        }
        out.writeInt(s.fields().size());
        for (Map.Entry<String, Double> f : s.fields().entrySet()) {
          out.writeUTF(f.getKey());
          out.writeDouble(f.getValue() == null ? Double.NaN : f.getValue());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  static List<Sample> decode(byte[] payload) throws IOException {
    try (var in = new DataInputStream(new ByteArrayInputStream(payload))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IOException("unknown buffer record version " + version);
      }
      int n = in.readInt();
      var batch = new ArrayList<Sample>(n);
      for (int i = 0; i < n; i++) {
        Instant time = Instant.ofEpochSecond(in.readLong(), in.readInt());
        String measurement = in.readUTF();
        Quality quality = Quality.ofCode(in.readByte());
        var tags = new TreeMap<String, String>();
        for (int t = in.readInt(); t > 0; t--) {
          tags.put(in.readUTF(), in.readUTF());
        }
        var fields = new TreeMap<String, Double>();
        for (int f = in.readInt(); f > 0; f--) {
          fields.put(in.readUTF(), in.readDouble());
        }
        batch.add(new Sample(time, measurement, tags, fields, quality));
      }
      return batch;
    }
  }
}

using System.Buffers;
using Amber.Storage.Parquet.Encoding;
using Amber.Storage.Parquet.Thrift;

namespace Amber.Storage.Tests.Parquet;

public class ThriftAndRleTests
{
    [Fact]
    public void Compact_protocol_bytes_match_the_thrift_spec()
    {
        // Hand-derived from the compact protocol spec: field 1 i32 = 3 -> header 0x15 (delta 1, type 5), zigzag(3) = 6;
        // field 4 string "ab" -> header 0x38 (delta 3, type 8), length 2; field 20 i64 = -1 -> long form 0x06, zigzag(20)=40, zigzag(-1)=1; stop.
        var buffer = new ArrayBufferWriter<byte>();
        var w = new ThriftCompactWriter(buffer);
        w.BeginStruct();
        w.WriteI32Field(1, 3);
        w.WriteStringField(4, "ab");
        w.WriteI64Field(20, -1);
        w.EndStruct();
        Assert.Equal(new byte[] { 0x15, 0x06, 0x38, 0x02, (byte)'a', (byte)'b', 0x06, 40, 0x01, 0x00 }, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Compact_reader_reads_what_the_writer_wrote_and_skips_unknown_fields()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new ThriftCompactWriter(buffer);
        w.BeginStruct();
        w.WriteI32Field(1, -123456);
        w.WriteStructFieldHeader(2);
        w.BeginStruct();
        w.WriteBoolField(1, true);
        w.WriteListFieldHeader(2, CompactType.Binary, 20);
        for (int i = 0; i < 20; i++) w.WriteString($"s{i}");
        w.EndStruct();
        w.WriteI64Field(3, long.MinValue);
        w.EndStruct();

        var bytes = buffer.WrittenSpan.ToArray();
        var r = new ThriftCompactReader(bytes, 0, bytes.Length);
        r.BeginStruct();
        Assert.Equal((1, CompactType.I32), ((int)r.ReadFieldHeader().Id, CompactType.I32));
        Assert.Equal(-123456, r.ReadI32());
        var (id, type) = r.ReadFieldHeader();
        Assert.Equal((2, CompactType.Struct), ((int)id, type));
        r.Skip(type);
        var (id3, _) = r.ReadFieldHeader();
        Assert.Equal(3, id3);
        Assert.Equal(long.MinValue, r.ReadI64());
        Assert.Equal(CompactType.Stop, r.ReadFieldHeader().Type);
        Assert.Equal(bytes.Length, r.Position);
    }

    [Fact]
    public void Bit_packing_matches_the_parquet_spec_example()
    {
        // parquet-format Encodings.md: values 0..7 with bit width 3 pack to 10001000 11000110 11111010.
        var buffer = new ArrayBufferWriter<byte>();
        var e = new RleBitPackedEncoder(3, buffer);
        for (int i = 0; i < 8; i++) e.Write(i);
        e.Finish();
        Assert.Equal(new byte[] { 0x03, 0b10001000, 0b11000110, 0b11111010 }, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_long_repeat_becomes_one_rle_run()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var e = new RleBitPackedEncoder(1, buffer);
        e.WriteRepeated(1, 1000);
        e.Finish();
        // header = 1000 << 1 = 2000 as varint (0xD0 0x0F), then the value in one byte.
        Assert.Equal(new byte[] { 0xD0, 0x0F, 0x01 }, buffer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(7, 3)]
    [InlineData(12, 4)]
    [InlineData(17, 5)]
    [InlineData(32, 6)]
    public void Hybrid_encoding_round_trips_mixed_runs(int bitWidth, int seed)
    {
        var rng = new Random(seed);
        long max = bitWidth == 32 ? int.MaxValue : (1L << bitWidth) - 1;
        var values = new List<int>();
        while (values.Count < 5000)
        {
            int v = (int)rng.NextInt64(0, max + 1);
            int run = rng.Next(3) == 0 ? rng.Next(1, 40) : 1;
            for (int i = 0; i < run; i++) values.Add(v);
        }
        var buffer = new ArrayBufferWriter<byte>();
        var e = new RleBitPackedEncoder(bitWidth, buffer);
        foreach (var v in values) e.Write(v);
        e.Finish();
        var decoded = new int[values.Count];
        RleBitPackedDecoder.Decode(buffer.WrittenSpan, bitWidth, decoded);
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void Bulk_encoder_matches_the_spec_example_and_uses_rle_for_long_runs()
    {
        var packed = new ArrayBufferWriter<byte>();
        RleBitPackedBulkEncoder.Encode<int>([0, 1, 2, 3, 4, 5, 6, 7], 3, packed);
        Assert.Equal(new byte[] { 0x03, 0b10001000, 0b11000110, 0b11111010 }, packed.WrittenSpan.ToArray());

        // 3 values, then a run of 13: 5 of the run complete the first group, the other 8 become an RLE run.
        var mixed = new ArrayBufferWriter<byte>();
        byte[] levels = [0, 1, 0, .. Enumerable.Repeat((byte)1, 13)];
        RleBitPackedBulkEncoder.Encode<byte>(levels, 1, mixed);
        Assert.Equal(new byte[] { 0x03, 0b11111010, 0x10, 0x01 }, mixed.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 12)]
    [InlineData(9, 13)]
    [InlineData(20, 14)]
    [InlineData(32, 15)]
    public void Bulk_encoding_round_trips_mixed_runs(int bitWidth, int seed)
    {
        var rng = new Random(seed);
        long max = bitWidth == 32 ? int.MaxValue : (1L << bitWidth) - 1;
        var values = new List<int>();
        while (values.Count < 7000)
        {
            int v = (int)rng.NextInt64(0, max + 1);
            int run = rng.Next(3) == 0 ? rng.Next(1, 60) : 1;
            for (int i = 0; i < run; i++) values.Add(v);
        }
        var buffer = new ArrayBufferWriter<byte>();
        RleBitPackedBulkEncoder.Encode<int>(values.ToArray(), bitWidth, buffer);
        var decoded = new int[values.Count];
        Assert.Equal(buffer.WrittenCount, RleBitPackedDecoder.Decode(buffer.WrittenSpan, bitWidth, decoded));
        Assert.Equal(values, decoded);
    }
}

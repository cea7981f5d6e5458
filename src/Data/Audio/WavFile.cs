using System.Buffers.Binary;
using Amber.Data.Corpora;
using Amber.Data.IO;

namespace Amber.Data.Audio;

/// <summary>
/// RIFF/WAVE PCM reader and writer for the corpora's audio: 16-bit mono is what IEMOCAP and MSP-Podcast hold; the
/// reader also takes 8/24/32-bit integer PCM, 32-bit float and several channels (averaged), and walks chunks instead of
/// assuming a 44-byte header.
/// </summary>
public static class WavFile
{
    /// <summary>Reads samples scaled to [-1, 1) and the sample rate.</summary>
    /// <exception cref="DataFormatException">Not a RIFF/WAVE file, an unsupported encoding, or truncated.</exception>
    public static (float[] Samples, int SampleRate) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses an in-memory wav file; <paramref name="name"/> is used in error messages.</summary>
    public static (float[] Samples, int SampleRate) Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw new DataFormatException(name, 0, null, "RIFF header", bytes.Length < 4 ? "" : System.Text.Encoding.ASCII.GetString(bytes[..4]), "a RIFF/WAVE file");
        }
        int pos = 12, format = 0, channels = 0, rate = 0, bits = 0;
        while (pos + 8 <= bytes.Length)
        {
            var id = bytes.Slice(pos, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(bytes[(pos + 4)..]);
            int body = pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > bytes.Length) throw new DataFormatException(name, 0, null, "fmt chunk", size.ToString(), "at least 16 bytes");
                format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[body..]);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 2)..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes[(body + 4)..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 14)..]);
                if (format == 0xFFFE && size >= 26) format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 24)..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (channels == 0) throw new DataFormatException(name, 0, null, "fmt chunk", "absent", "a 'fmt ' chunk before the 'data' chunk");
                // Some writers leave the size at 0 or 0xFFFFFFFF when streaming; take what is there.
                int available = bytes.Length - body;
                int length = size <= 0 || size > available ? available : size;
                return (Decode(bytes.Slice(body, length), format, channels, bits, name), rate);
            }
            pos = body + size + (size & 1);
            if (size < 0) break;
        }
        throw new DataFormatException(name, 0, null, "data chunk", "absent", "a 'data' chunk");
    }

    private static float[] Decode(ReadOnlySpan<byte> data, int format, int channels, int bits, string name)
    {
        bool pcm = format == 1, ieee = format == 3;
        if (!(pcm && bits is 8 or 16 or 24 or 32) && !(ieee && bits == 32))
        {
            throw new DataFormatException(name, 0, null, "encoding", $"format {format}, {bits} bits", "PCM 8/16/24/32-bit or IEEE float 32-bit");
        }
        int width = bits / 8, frame = width * channels;
        int frames = data.Length / frame;
        var samples = new float[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            for (int ch = 0; ch < channels; ch++)
            {
                var s = data.Slice(f * frame + ch * width, width);
                sum += bits switch
                {
                    8 => (s[0] - 128) / 128.0,
                    16 => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768.0,
                    24 => ((s[0] | (s[1] << 8) | (s[2] << 16)) << 8 >> 8) / 8388608.0,
                    _ when ieee => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0,
                };
            }
            samples[f] = (float)(sum / channels);
        }
        return samples;
    }

    /// <summary>Writes 16-bit mono PCM with the canonical 44-byte header, atomically; samples are clipped to [-1, 1].</summary>
    public static void WritePcm16(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        var bytes = new byte[44 + samples.Length * 2];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + samples.Length * 2);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], samples.Length * 2);
        for (int i = 0; i < samples.Length; i++)
        {
            float x = Math.Clamp(samples[i], -1f, 1f);
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + 2 * i)..], (short)Math.Round(x * 32767f));
        }
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}

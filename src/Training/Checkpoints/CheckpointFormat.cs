using System.Runtime.InteropServices;
using System.Text;
using Amber.Training.Losses;
using Amber.Training.Model;

namespace Amber.Training.Checkpoints;

/// <summary>The trainer's state beyond the parameters, stored in a training checkpoint.</summary>
/// <param name="OptimizerName">Which optimiser wrote <paramref name="OptimizerState"/>.</param>
/// <param name="OptimizerSteps">Updates applied so far.</param>
/// <param name="OptimizerState">The optimiser's buffers.</param>
/// <param name="EpochsCompleted">Epochs run so far.</param>
/// <param name="BestEpoch">Best epoch so far (0 before the first).</param>
/// <param name="BestValidationJs">Its validation JS.</param>
/// <param name="EpochsWithoutImprovement">Early-stopping counter.</param>
/// <param name="Stopped">True once early stopping fired.</param>
/// <param name="BestParameters">Parameters of the best epoch.</param>
/// <param name="Curves">Reports of the epochs run so far.</param>
/// <param name="Randomness">
/// The data order and random-number state. Every random draw (shuffles, weighted draws, dropout masks) is a pure function
/// of (seed, epoch, step, row) — <see cref="Numerics.CounterRandom"/> — so this is the whole generator state: a resumed run
/// with the same values draws exactly what an uninterrupted one would.
/// </param>
public sealed record TrainerState(string OptimizerName, long OptimizerSteps, IReadOnlyList<float[]> OptimizerState,
    int EpochsCompleted, int BestEpoch, double BestValidationJs, int EpochsWithoutImprovement, bool Stopped,
    float[] BestParameters, IReadOnlyList<EpochReport> Curves, RandomState Randomness);

/// <summary>The data order and counter-based random state of a training run, checked when it resumes.</summary>
/// <param name="Seed">Seeds initialisation, shuffles and dropout.</param>
/// <param name="DataOrder">How each epoch orders the rows: <c>permutation</c> (a seeded shuffle) or <c>class-weighted</c> (draws with replacement).</param>
/// <param name="BatchSize">The global batch size (it decides which rows form each step).</param>
/// <param name="Step">Steps taken so far: the counter of the dropout masks and of the learning-rate schedule.</param>
public sealed record RandomState(ulong Seed, string DataOrder, int BatchSize, long Step);

/// <summary>A decoded checkpoint.</summary>
/// <param name="Model">The model sizes.</param>
/// <param name="Loss">The objective.</param>
/// <param name="LayoutHash">Hash of the parameter layout.</param>
/// <param name="LayoutDescription">The layout in words.</param>
/// <param name="Parameters">The parameter buffer.</param>
/// <param name="Trainer">The trainer state, or null for a model-only checkpoint.</param>
public sealed record Checkpoint(ModelConfig Model, LossConfig Loss, ulong LayoutHash, string LayoutDescription, float[] Parameters, TrainerState? Trainer);

/// <summary>
/// Binary checkpoint: magic <c>AMBRCKPT</c>, version, kind, layout hash and description, configurations, parameters,
/// optional trainer state (optimiser, epoch, early stopping, curves, data order and random state), then an FNV-1a 64
/// checksum of everything before it. Little-endian throughout. The checksum catches a torn or flipped file on its own;
/// a worker additionally records each checkpoint's SHA-256 with the run grain, so a wrong but well-formed file is caught too.
/// </summary>
public static class CheckpointFormat
{
    /// <summary>The 8 magic bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "AMBRCKPT"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const uint Version = 2;

    /// <summary>Writes a model checkpoint (state null) or a training checkpoint.</summary>
    public static void Write(Stream destination, AmberModel model, TrainerState? state)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((byte)(state is null ? 0 : 1));
            w.Write(model.Layout.Hash);
            w.Write(model.Layout.Description);
            var m = model.Config;
            w.Write(m.SpeechDim);
            w.Write(m.TextDim);
            w.Write(m.Hidden);
            w.Write(m.Classes);
            w.Write(m.Dropout);
            w.Write((int)m.Activation);
            var l = model.Loss;
            w.Write((int)l.Method);
            w.Write((int)l.Divergence);
            w.Write(l.ExpertWeight);
            w.Write(l.GuidanceWeight);
            w.Write(l.Temperature);
            w.Write(l.ConflictGate);
            w.Write(l.DetachGuidance);
            w.Write(l.EntropyWeight);
            WriteFloats(w, model.Parameters);
            if (state is not null)
            {
                w.Write(state.OptimizerName);
                w.Write(state.OptimizerSteps);
                w.Write(state.OptimizerState.Count);
                foreach (var s in state.OptimizerState)
                {
                    WriteFloats(w, s);
                }
                w.Write(state.EpochsCompleted);
                w.Write(state.BestEpoch);
                w.Write(state.BestValidationJs);
                w.Write(state.EpochsWithoutImprovement);
                w.Write(state.Stopped);
                WriteFloats(w, state.BestParameters);
                w.Write(state.Curves.Count);
                foreach (var e in state.Curves)
                {
                    w.Write(e.Epoch);
                    w.Write(e.TrainLoss);
                    w.Write(e.ValidationLoss);
                    w.Write(e.ValidationJs);
                    w.Write(e.ValidationBc);
                    w.Write(e.LearningRate);
                    w.Write(e.Seconds);
                    w.Write(e.IsBest);
                }
                w.Write(state.Randomness.Seed);
                w.Write(state.Randomness.DataOrder);
                w.Write(state.Randomness.BatchSize);
                w.Write(state.Randomness.Step);
            }
        }
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        destination.Write(bytes);
        Span<byte> checksum = stackalloc byte[8];
        BitConverter.TryWriteBytes(checksum, Fnv(bytes));
        destination.Write(checksum);
    }

    /// <summary>Reads and verifies a checkpoint; <paramref name="source"/> names it in error messages.</summary>
    public static Checkpoint Read(Stream stream, string source)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var all = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (all.Length < Magic.Length + 8 || !all[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"Checkpoint {source}: the first bytes are not the magic 'AMBRCKPT'; this is not an AmbER checkpoint.");
        }
        var payload = all[..^8];
        var stored = BitConverter.ToUInt64(all[^8..]);
        if (Fnv(payload) != stored)
        {
            throw new InvalidDataException($"Checkpoint {source}: checksum mismatch (stored {stored:x16}, computed {Fnv(payload):x16}); the file is truncated or corrupt.");
        }
        using var r = new BinaryReader(new MemoryStream(buffer.GetBuffer(), 0, payload.Length), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        var version = r.ReadUInt32();
        if (version != Version)
        {
            throw new InvalidDataException($"Checkpoint {source}: format version {version}; this build reads version {Version}.");
        }
        var kind = r.ReadByte();
        var hash = r.ReadUInt64();
        var description = r.ReadString();
        var model = new ModelConfig(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), (Activation)r.ReadInt32());
        var loss = new LossConfig((LossMethod)r.ReadInt32(), (DivergenceKind)r.ReadInt32(), r.ReadDouble(), r.ReadDouble(),
            r.ReadDouble(), r.ReadBoolean(), r.ReadBoolean(), r.ReadDouble());
        var parameters = ReadFloats(r);
        TrainerState? state = null;
        if (kind == 1)
        {
            var name = r.ReadString();
            var steps = r.ReadInt64();
            var count = r.ReadInt32();
            var buffers = new List<float[]>();
            for (var i = 0; i < count; i++)
            {
                buffers.Add(ReadFloats(r));
            }
            var epochs = r.ReadInt32();
            var bestEpoch = r.ReadInt32();
            var bestJs = r.ReadDouble();
            var bad = r.ReadInt32();
            var stopped = r.ReadBoolean();
            var best = ReadFloats(r);
            var curveCount = r.ReadInt32();
            var curves = new List<EpochReport>();
            for (var i = 0; i < curveCount; i++)
            {
                curves.Add(new EpochReport(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(),
                    r.ReadDouble(), r.ReadDouble(), r.ReadBoolean()));
            }
            var randomness = new RandomState(r.ReadUInt64(), r.ReadString(), r.ReadInt32(), r.ReadInt64());
            state = new TrainerState(name, steps, buffers, epochs, bestEpoch, bestJs, bad, stopped, best, curves, randomness);
        }
        return new Checkpoint(model, loss, hash, description, parameters, state);
    }

    /// <summary>Throws a clear error when a checkpoint's layout is not <paramref name="expected"/>.</summary>
    public static void RequireLayout(Checkpoint checkpoint, ParameterLayout expected, string source)
    {
        if (checkpoint.LayoutHash != expected.Hash)
        {
            throw new InvalidDataException(
                $"Checkpoint {source} has parameter layout {checkpoint.LayoutHash:x16} ({checkpoint.LayoutDescription}) but the model expects " +
                $"{expected.Hash:x16} ({expected.Description}); it was written for another model size or method.");
        }
    }

    /// <summary>Writes through a temporary file and renames it over <paramref name="path"/>, so a crash leaves the old or the new file.</summary>
    public static void WriteFileAtomically(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var n = r.ReadInt32();
        var values = new float[n];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length)
        {
            throw new InvalidDataException($"Checkpoint: a tensor of {n} floats is cut short.");
        }
        return values;
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        var h = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            h = (h ^ b) * 1099511628211UL;
        }
        return h;
    }
}

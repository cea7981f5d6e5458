using System.Collections.Immutable;
using System.Data.Common;
using System.Text.Json;
using Amber.Grains.Parameters;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;

namespace Amber.Silo.Store.Sql;

/// <summary>Column lists and row mappers: one place that knows how grain states sit in tables.</summary>
internal static class Rows
{
    public const string SweepColumns = "id, name, status, planned, succeeded, failed, cancelled, active, max_parallel, created_at, finished_at, version, spec_text, completion_error, handled_at";
    public const string TrialColumns = "id, sweep_id, idx, params, planned, succeeded, failed, cancelled, version";
    public const string RunColumns = "id, sweep_id, trial_id, fold, seed, gang, max_retries, status, attempt, failures, members, last_error, version, trial_idx, queue_key, updated_at, artifacts";
    public const string WorkerColumns = "id, name, slots, cores, memory_mb, gpus, status, active, last_heartbeat, version, token_hash";

    public static SweepRecord Sweep(DbDataReader r) => new(
        new SweepState(r.GetString(0), r.GetString(1), Enum.Parse<SweepStatus>(r.GetString(2), true), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5),
            r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), Db.Time(r.GetInt64(9)), Db.NullableLong(r, 10) is { } f ? Db.Time(f) : null, r.GetInt64(11)),
        r.GetString(12), Db.NullableString(r, 13), Db.NullableLong(r, 14) is { } h ? Db.Time(h) : null);

    public static TrialState Trial(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), TrialParameters.FromJson(r.GetString(3)), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetInt64(8));

    public static RunRecord Run(DbDataReader r) => new(
        new RunState(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6),
            RunStatusExtensions.ParseRunStatus(r.GetString(7)), r.GetInt32(8), r.GetInt32(9), ParseMembers(r.GetString(10)), Db.NullableString(r, 11), r.GetInt64(12)),
        r.GetInt32(13), r.GetInt64(14), Db.Time(r.GetInt64(15)),
        JsonSerializer.Deserialize(r.GetString(16), RowJson.Default.DictionaryStringString)!);

    public static WorkerRecord Worker(DbDataReader r) => new(
        new WorkerState(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt64(4), r.GetInt32(5),
            Enum.Parse<WorkerStatus>(r.GetString(6), true), r.GetInt32(7), Db.Time(r.GetInt64(8)), r.GetInt64(9)),
        r.GetString(10));

    public static string Members(ImmutableArray<GangMember> members)
    {
        if (members.IsEmpty) return "[]";
        return JsonSerializer.Serialize(members.Select(m => new MemberJson(m.WorkerId, m.Rank, Db.Ms(m.LeaseExpiresAt))).ToArray(), RowJson.Default.MemberJsonArray);
    }

    public static ImmutableArray<GangMember> ParseMembers(string json) => json == "[]"
        ? []
        : [.. JsonSerializer.Deserialize(json, RowJson.Default.MemberJsonArray)!.Select(m => new GangMember(m.W, m.R, Db.Time(m.E)))];
}

/// <summary>A gang member as JSON in the runs table: worker, rank, lease expiry (unix ms).</summary>
internal sealed record MemberJson(string W, int R, long E);

[System.Text.Json.Serialization.JsonSerializable(typeof(MemberJson[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class RowJson : System.Text.Json.Serialization.JsonSerializerContext;

using System.Data.Common;

namespace Amber.Silo.Store.Sql;

/// <summary>
/// Statements sent together: one round trip where the provider supports <see cref="DbBatch"/> (Npgsql), one after the
/// other otherwise (SQLite, in-process, where round trips cost nothing). A batch is all queries or all writes.
/// Writes marked with a conflict message must change exactly one row: that is the version check.
/// </summary>
internal sealed class SqlBatch
{
    private readonly List<Item> items = [];

    private sealed record Item(string Sql, (string Name, object? Value)[] Parameters, Action<DbDataReader>? OnRow, string? ConflictMessage);

    public int Count => items.Count;

    /// <summary>A query whose rows go to <paramref name="onRow"/>.</summary>
    public void Query(string sql, Action<DbDataReader> onRow, params (string, object?)[] parameters) => items.Add(new(sql, parameters, onRow, null));

    /// <summary>A write that must change exactly one row, else <see cref="ConcurrencyConflictException"/> with <paramref name="conflict"/>.</summary>
    public void Update(string sql, string conflict, params (string, object?)[] parameters) => items.Add(new(sql, parameters, null, conflict));

    /// <summary>A write with no row-count expectation.</summary>
    public void Exec(string sql, params (string, object?)[] parameters) => items.Add(new(sql, parameters, null, null));

    public async Task RunAsync(DbConnection c, DbTransaction t, CancellationToken ct)
    {
        if (items.Count == 0) return;
        bool queries = items[0].OnRow is not null;
        if (items.Any(i => (i.OnRow is not null) != queries)) throw new InvalidOperationException("a batch mixes queries and writes");
        if (!c.CanCreateBatch || items.Count == 1)
        {
            foreach (var item in items)
            {
                await using var cmd = Db.Command(c, t, item.Sql, item.Parameters);
                if (queries)
                {
                    await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    while (await r.ReadAsync(ct).ConfigureAwait(false)) item.OnRow!(r);
                }
                else Check(item, await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false));
            }
            return;
        }

        await using var batch = c.CreateBatch();
        batch.Transaction = t;
        foreach (var item in items)
        {
            var bc = batch.CreateBatchCommand();
            bc.CommandText = item.Sql;
            foreach (var (name, value) in item.Parameters)
            {
                var p = bc.CreateParameter();
                p.ParameterName = name;
                p.Value = value ?? DBNull.Value;
                bc.Parameters.Add(p);
            }
            batch.BatchCommands.Add(bc);
        }
        if (queries)
        {
            await using var r = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0 && !await r.NextResultAsync(ct).ConfigureAwait(false))
                    throw new InvalidOperationException($"batch returned {i} result sets for {items.Count} queries");
                while (await r.ReadAsync(ct).ConfigureAwait(false)) items[i].OnRow!(r);
            }
        }
        else
        {
            await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            for (int i = 0; i < items.Count; i++) Check(items[i], batch.BatchCommands[i].RecordsAffected);
        }
    }

    private static void Check(Item item, int affected)
    {
        if (item.ConflictMessage is not null && affected != 1) throw new ConcurrencyConflictException(item.ConflictMessage);
    }
}

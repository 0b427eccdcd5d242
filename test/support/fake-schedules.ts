import type { ScheduleSpec, TenantSchedules } from '../../lambdas/ports/schedules';

/** The tenant's schedule groups in memory (the Scheduler adapter itself runs on moto in test/integration). */
export class MemorySchedules implements TenantSchedules {
  readonly groups = new Map<string, Map<string, ScheduleSpec>>();
  readonly calls: string[] = [];

  async list(tenantId: string): Promise<ScheduleSpec[]> {
    return [...(this.groups.get(tenantId)?.values() ?? [])].map((spec) => structuredClone(spec));
  }

  async put(tenantId: string, spec: ScheduleSpec): Promise<void> {
    this.calls.push(`put ${tenantId} ${spec.name}`);
    const group = this.groups.get(tenantId) ?? new Map<string, ScheduleSpec>();
    group.set(spec.name, structuredClone(spec));
    this.groups.set(tenantId, group);
  }

  async delete(tenantId: string, name: string): Promise<void> {
    this.calls.push(`delete ${tenantId} ${name}`);
    this.groups.get(tenantId)?.delete(name);
  }
}

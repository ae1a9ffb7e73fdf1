/*
 * A stand-in for libnvidia-ml.so.1 that serves scripted values, so the FFM binding can be tested
 * for real without a GPU. Signatures follow nvml.h. Tests drive it through the stub_* functions.
 *
 * Built twice by the tests: as is (a current driver), and with -DSTUB_OLD_DRIVER, which leaves out
 * nvmlDeviceGetMarginTemperature and nvmlDeviceGetCurrentClocksEventReasons and exports the older
 * nvmlDeviceGetCurrentClocksThrottleReasons instead, as drivers before 535 do.
 */
#include <string.h>
#include <stdio.h>

#define MAX_GPUS 16
#define MAX_FAILURES 32

typedef struct {
    char name[96];
    char uuid[96];
    unsigned int power_mw, limit_mw, temp_c, mem_temp_c, margin_c;
    unsigned int thresholds[4]; /* SHUTDOWN, SLOWDOWN, MEM_MAX, GPU_MAX */
    unsigned int util_gpu, util_mem, clock_graphics, clock_sm, clock_mem;
    unsigned long long energy_mj, reasons, power_violation_ns, thermal_violation_ns;
} gpu_t;

typedef struct {
    char function[64];
    int gpu; /* -1: every GPU */
    int code;
} failure_t;

typedef struct {
    unsigned int fieldId, scopeId;
    long long timestamp, latencyUsec;
    int valueType, nvmlReturn;
    union { double d; unsigned int ui; unsigned long ul; unsigned long long ull; long long sll; } value;
} field_value_t;

typedef struct { unsigned int version; int marginTemperature; } margin_t;
typedef struct { unsigned int gpu, memory; } utilization_t;
typedef struct { unsigned long long referenceTime, violationTime; } violation_t;

static gpu_t gpus[MAX_GPUS];
static unsigned int gpu_count = 2;
static int init_result = 0;
static int initialized = 0;
static failure_t failures[MAX_FAILURES];
static int failure_count = 0;
static struct { char function[64]; int count; } calls[64];
static int call_names = 0;

static void fill(unsigned int i) {
    gpu_t *g = &gpus[i];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "NVIDIA H100 80GB HBM3");
    snprintf(g->uuid, sizeof g->uuid, "GPU-00000000-0000-0000-0000-00000000000%u", i);
    g->power_mw = 300000 + 1000 * i;
    g->limit_mw = 700000;
    g->energy_mj = 1000000ULL * (i + 1);
    g->temp_c = 60 + i;
    g->mem_temp_c = 70 + i;
    g->margin_c = 25 - i;
    g->thresholds[0] = 92; g->thresholds[1] = 89; g->thresholds[2] = 95; g->thresholds[3] = 87;
    g->util_gpu = 90; g->util_mem = 40;
    g->clock_graphics = 1980; g->clock_sm = 1980; g->clock_mem = 2619;
    g->reasons = 0x4ULL;
    g->power_violation_ns = 5000000ULL * (i + 1);
    g->thermal_violation_ns = 1000000ULL * (i + 1);
}

/* ---- control, for tests ---- */

void stub_reset(unsigned int count) {
    gpu_count = count > MAX_GPUS ? MAX_GPUS : count;
    for (unsigned int i = 0; i < MAX_GPUS; i++) fill(i);
    init_result = 0;
    failure_count = 0;
    call_names = 0;
}

void stub_set_init_result(int code) { init_result = code; }

/* Makes `function` answer `code` for one GPU (or every GPU with -1); "field82" targets the memory
   temperature entry of nvmlDeviceGetFieldValues. */
void stub_fail(const char *function, int gpu, int code) {
    if (failure_count >= MAX_FAILURES) return;
    snprintf(failures[failure_count].function, 64, "%s", function);
    failures[failure_count].gpu = gpu;
    failures[failure_count].code = code;
    failure_count++;
}

/* Sets one scripted value by name; returns 0, or -1 for an unknown name or GPU. */
int stub_set(const char *what, unsigned int i, unsigned long long v) {
    if (i >= MAX_GPUS) return -1;
    gpu_t *g = &gpus[i];
    if (!strcmp(what, "power_mw")) g->power_mw = (unsigned int) v;
    else if (!strcmp(what, "limit_mw")) g->limit_mw = (unsigned int) v;
    else if (!strcmp(what, "energy_mj")) g->energy_mj = v;
    else if (!strcmp(what, "temp_c")) g->temp_c = (unsigned int) v;
    else if (!strcmp(what, "mem_temp_c")) g->mem_temp_c = (unsigned int) v;
    else if (!strcmp(what, "margin_c")) g->margin_c = (unsigned int) v;
    else if (!strcmp(what, "reasons")) g->reasons = v;
    else if (!strcmp(what, "util_gpu")) g->util_gpu = (unsigned int) v;
    else if (!strcmp(what, "clock_sm")) g->clock_sm = (unsigned int) v;
    else return -1;
    return 0;
}

/* How many times a function was called since the last reset. */
int stub_calls(const char *function) {
    for (int i = 0; i < call_names; i++) if (!strcmp(calls[i].function, function)) return calls[i].count;
    return 0;
}

/* ---- helpers ---- */

static int enter(const char *function, int gpu) {
    int c = 0;
    while (c < call_names && strcmp(calls[c].function, function)) c++;
    if (c == call_names && call_names < 64) {
        snprintf(calls[c].function, 64, "%s", function);
        calls[c].count = 0;
        call_names++;
    }
    if (c < call_names) calls[c].count++;
    for (int i = 0; i < failure_count; i++) {
        if (!strcmp(failures[i].function, function) && (failures[i].gpu == -1 || failures[i].gpu == gpu))
            return failures[i].code;
    }
    return 0;
}

static int index_of(void *device) {
    gpu_t *g = (gpu_t *) device;
    if (g < gpus || g >= gpus + gpu_count) return -1;
    return (int) (g - gpus);
}

#define DEVICE_CALL(fn)                                   \
    if (!initialized) return 1; /* UNINITIALIZED */        \
    int idx = index_of(device);                           \
    if (idx < 0) return 2; /* INVALID_ARGUMENT */          \
    int rc = enter(fn, idx);                              \
    if (rc) return rc;                                    \
    gpu_t *g = &gpus[idx];

/* ---- NVML ---- */

int nvmlInit_v2(void) {
    int rc = enter("nvmlInit_v2", -1);
    if (rc) return rc;
    if (init_result) return init_result;
    initialized++;
    return 0;
}

int nvmlShutdown(void) {
    if (!initialized) return 1;
    initialized--;
    return 0;
}

const char *nvmlErrorString(int result) {
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 9: return "Driver Not Loaded";
    case 13: return "Function Not Found";
    case 15: return "GPU is lost";
    case 999: return "Unknown Error";
    default: return "Stub error";
    }
}

int nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!initialized) return 1;
    int rc = enter("nvmlDeviceGetCount_v2", -1);
    if (rc) return rc;
    *count = gpu_count;
    return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) {
    if (!initialized) return 1;
    if (index >= gpu_count) return 2;
    int rc = enter("nvmlDeviceGetHandleByIndex_v2", (int) index);
    if (rc) return rc;
    *device = &gpus[index];
    return 0;
}

int nvmlDeviceGetName(void *device, char *name, unsigned int length) {
    DEVICE_CALL("nvmlDeviceGetName")
    if (strlen(g->name) + 1 > length) return 7; /* INSUFFICIENT_SIZE */
    strcpy(name, g->name);
    return 0;
}

int nvmlDeviceGetUUID(void *device, char *uuid, unsigned int length) {
    DEVICE_CALL("nvmlDeviceGetUUID")
    if (strlen(g->uuid) + 1 > length) return 7;
    strcpy(uuid, g->uuid);
    return 0;
}

int nvmlDeviceGetPowerUsage(void *device, unsigned int *power) {
    DEVICE_CALL("nvmlDeviceGetPowerUsage")
    *power = g->power_mw;
    return 0;
}

int nvmlDeviceGetEnforcedPowerLimit(void *device, unsigned int *limit) {
    DEVICE_CALL("nvmlDeviceGetEnforcedPowerLimit")
    *limit = g->limit_mw;
    return 0;
}

int nvmlDeviceGetTotalEnergyConsumption(void *device, unsigned long long *energy) {
    DEVICE_CALL("nvmlDeviceGetTotalEnergyConsumption")
    *energy = g->energy_mj;
    return 0;
}

int nvmlDeviceGetTemperature(void *device, int sensor, unsigned int *temp) {
    DEVICE_CALL("nvmlDeviceGetTemperature")
    if (sensor != 0) return 2;
    *temp = g->temp_c;
    return 0;
}

int nvmlDeviceGetTemperatureThreshold(void *device, int type, unsigned int *temp) {
    DEVICE_CALL("nvmlDeviceGetTemperatureThreshold")
    if (type < 0 || type > 3) return 3;
    *temp = g->thresholds[type];
    return 0;
}

int nvmlDeviceGetFieldValues(void *device, int count, field_value_t *values) {
    DEVICE_CALL("nvmlDeviceGetFieldValues")
    for (int i = 0; i < count; i++) {
        field_value_t *v = &values[i];
        v->timestamp = 1700000000000000LL;
        v->latencyUsec = 0;
        if (v->fieldId == 82) {
            int frc = enter("field82", idx);
            v->nvmlReturn = frc;
            v->valueType = 1; /* NVML_VALUE_TYPE_UNSIGNED_INT */
            v->value.ull = 0;
            v->value.ui = g->mem_temp_c;
        } else {
            v->nvmlReturn = 3;
        }
    }
    return 0;
}

int nvmlDeviceGetUtilizationRates(void *device, utilization_t *u) {
    DEVICE_CALL("nvmlDeviceGetUtilizationRates")
    u->gpu = g->util_gpu;
    u->memory = g->util_mem;
    return 0;
}

int nvmlDeviceGetClockInfo(void *device, int type, unsigned int *clock) {
    DEVICE_CALL("nvmlDeviceGetClockInfo")
    switch (type) {
    case 0: *clock = g->clock_graphics; return 0;
    case 1: *clock = g->clock_sm; return 0;
    case 2: *clock = g->clock_mem; return 0;
    default: return 2;
    }
}

int nvmlDeviceGetViolationStatus(void *device, int policy, violation_t *v) {
    DEVICE_CALL("nvmlDeviceGetViolationStatus")
    v->referenceTime = 1700000000000000ULL;
    if (policy == 0) v->violationTime = g->power_violation_ns;
    else if (policy == 1) v->violationTime = g->thermal_violation_ns;
    else return 3;
    return 0;
}

#ifndef STUB_OLD_DRIVER
int nvmlDeviceGetMarginTemperature(void *device, margin_t *m) {
    DEVICE_CALL("nvmlDeviceGetMarginTemperature")
    if (m->version != 0x1000008) return 25; /* ARGUMENT_VERSION_MISMATCH */
    m->marginTemperature = (int) g->margin_c;
    return 0;
}

int nvmlDeviceGetCurrentClocksEventReasons(void *device, unsigned long long *reasons) {
    DEVICE_CALL("nvmlDeviceGetCurrentClocksEventReasons")
    *reasons = g->reasons;
    return 0;
}
#else
int nvmlDeviceGetCurrentClocksThrottleReasons(void *device, unsigned long long *reasons) {
    DEVICE_CALL("nvmlDeviceGetCurrentClocksThrottleReasons")
    *reasons = g->reasons;
    return 0;
}
#endif

__attribute__((constructor)) static void stub_load(void) { stub_reset(2); }

// Benchmark, not a test (disabled): one 2048 x 2048 16-bit three-channel field on one core.
// Run: her2_imaging_tests --gtest_also_run_disabled_tests --gtest_filter='FishSpeed*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <opencv2/core.hpp>

#include "FishTestUtil.hpp"

using namespace her2::imaging;

TEST(FishSpeed, DISABLED_Field2048OneCore) {
    FishPhantomSpec s;
    s.seed = 77;
    s.width = 2048;
    s.height = 2048;
    s.nuclei = 180;
    s.her2 = {6, 2, 1, 12};
    s.clusterFraction = 0.2;
    const FishPhantomImages img = FishPhantom(s).render();
    const int old = cv::getNumThreads();
    cv::setNumThreads(1);
    const her2::core::PixelCalibration cal(s.mpp, s.mpp, "bench");
    // Thread CPU time as well as wall time: on a loaded machine the wall time measures the load.
    auto cpuMs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    };
    std::vector<double> ms, cpu;
    std::size_t nuclei = 0;
    for (int i = 0; i < 7; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpuMs();
        const FishResult r = analyzeFishField(img.dapi, img.her2, img.cep17, cal, {});
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        cpu.push_back(cpuMs() - c0);
        nuclei = r.nuclei.size();
    }
    cv::setNumThreads(old);
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf(
        "analyzeFishField 2048x2048x3 16-bit, 1 thread: wall median %.1f ms (min %.1f), CPU median %.1f ms "
        "(min %.1f), %zu nuclei\n",
        ms[ms.size() / 2], ms.front(), cpu[cpu.size() / 2], cpu.front(), nuclei);
}

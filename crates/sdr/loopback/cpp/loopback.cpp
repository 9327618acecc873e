// nrkit loopback: a SoapySDR device module for tests (driver=loopback).
//
// TX channel i loops to RX channel i. The device keeps a sample clock ("ticks"): by default it
// is virtual and advances with the samples (RX reads wait for an active TX burst to produce
// the samples they ask for, from its activation to the end of its burst; TX writes wait while
// RX is far behind), with pace=1 it follows
// the wall clock at the sample rate, as hardware does (a reader that falls more than
// `buffer` samples behind loses samples and gets SOAPY_SDR_OVERFLOW; a TX burst that runs
// dry underflows). Timestamps are ns = ticks * 1e9 / rate.
//
// Device args (all optional): serial, channels (1..8, default 1), mtu (default 8192),
// pace=1, buffer=N (device RX/TX buffer in samples, paced mode; default rate/4),
// rx_file=PATH (a raw cf32 file, e.g. a .sigmf-data, that RX channels receive in a loop
// where TX does not drive them: a signal source for receive-only tests),
// pattern=counter (RX samples not driven by TX carry their tick: re = (t & 0x7fff)/32768,
// im = ((t >> 15) & 0x7fff)/32768, exact in CF32 and CS16), and fault injection:
// overflow_every=N with overflow_drop=K (K samples lost after every N delivered),
// underflow_every=N (an underflow reported after every N TX samples), timeout_every=N
// (every Nth readStream times out), disconnect_after=N (streams fail with
// SOAPY_SDR_STREAM_ERROR after N samples), fail_open=1 (make() throws).
#include <SoapySDR/Device.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Logger.hpp>
#include <SoapySDR/Modules.hpp>
#include <SoapySDR/Registry.hpp>
#include <SoapySDR/Version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using cf = std::complex<float>;
using Clock = std::chrono::steady_clock;

long long arg_ll(const SoapySDR::Kwargs &a, const char *key, long long dflt) {
    auto it = a.find(key);
    if (it == a.end() || it->second.empty()) return dflt;
    try {
        size_t pos = 0;
        long long v = std::stoll(it->second, &pos);
        if (pos != it->second.size() || v < 0) throw std::invalid_argument("");
        return v;
    } catch (...) {
        throw std::runtime_error(std::string("loopback: device arg ") + key + "=" + it->second +
                                 " is not a non-negative integer");
    }
}

struct Channel {
    // TX samples waiting to be received, starting at tick `start`.
    std::deque<cf> pending;
    long long start = 0;
    long long end() const { return start + (long long)pending.size(); }
};

struct LbStream {
    int direction;
    bool cs16;
    std::vector<size_t> chans;
    bool active = false;
};

class Loopback : public SoapySDR::Device {
  public:
    explicit Loopback(const SoapySDR::Kwargs &args)
        : serial_(args.count("serial") ? args.at("serial") : "0") {
        if (arg_ll(args, "fail_open", 0) != 0)
            throw std::runtime_error("loopback: open refused (fail_open=1 injected)");
        nchan_ = (size_t)arg_ll(args, "channels", 1);
        if (nchan_ < 1 || nchan_ > 8)
            throw std::runtime_error("loopback: channels must be 1..8");
        mtu_ = (size_t)arg_ll(args, "mtu", 8192);
        if (mtu_ < 1) throw std::runtime_error("loopback: mtu must be >= 1");
        pace_ = arg_ll(args, "pace", 0) != 0;
        buffer_arg_ = arg_ll(args, "buffer", 0);
        counter_ = args.count("pattern") && args.at("pattern") == "counter";
        if (args.count("pattern") && !counter_ && args.at("pattern") != "zero")
            throw std::runtime_error("loopback: pattern must be zero or counter");
        if (args.count("rx_file") && !args.at("rx_file").empty()) load_rx_file(args.at("rx_file"));
        ovf_every_ = arg_ll(args, "overflow_every", 0);
        ovf_drop_ = arg_ll(args, "overflow_drop", ovf_every_ ? 1 : 0);
        unf_every_ = arg_ll(args, "underflow_every", 0);
        tmo_every_ = arg_ll(args, "timeout_every", 0);
        disc_after_ = arg_ll(args, "disconnect_after", 0);
        chans_.resize(nchan_);
        for (int d = 0; d < 2; d++) {
            freq_[d].assign(nchan_, 1e9);
            gain_[d].assign(nchan_, 0.0);
            agc_[d].assign(nchan_, false);
            bw_[d].assign(nchan_, 0.0);
        }
        base_time_ = Clock::now();
    }

    // ---- identification ----
    std::string getDriverKey() const override { return "loopback"; }
    std::string getHardwareKey() const override { return "nrkit-loopback"; }
    SoapySDR::Kwargs getHardwareInfo() const override {
        SoapySDR::Kwargs k;
        k["serial"] = serial_;
        k["version"] = "0.1.0";
        k["origin"] = "nrkit test support";
        return k;
    }
    size_t getNumChannels(const int) const override { return nchan_; }
    bool getFullDuplex(const int, const size_t) const override { return true; }

    // ---- streams ----
    std::vector<std::string> getStreamFormats(const int, const size_t) const override {
        return {SOAPY_SDR_CF32, SOAPY_SDR_CS16};
    }
    std::string getNativeStreamFormat(const int, const size_t, double &fullScale) const override {
        fullScale = 1.0;
        return SOAPY_SDR_CF32;
    }

    SoapySDR::Stream *setupStream(const int direction, const std::string &format,
                                  const std::vector<size_t> &channels,
                                  const SoapySDR::Kwargs &) override {
        if (format != SOAPY_SDR_CF32 && format != SOAPY_SDR_CS16)
            throw std::runtime_error("loopback: unsupported stream format " + format +
                                     " (CF32 or CS16)");
        auto *s = new LbStream;
        s->direction = direction;
        s->cs16 = format == SOAPY_SDR_CS16;
        s->chans = channels.empty() ? std::vector<size_t>{0} : channels;
        for (size_t c : s->chans) {
            if (c >= nchan_) {
                delete s;
                throw std::runtime_error("loopback: channel " + std::to_string(c) +
                                         " out of range (device has " + std::to_string(nchan_) +
                                         ")");
            }
        }
        return reinterpret_cast<SoapySDR::Stream *>(s);
    }

    void closeStream(SoapySDR::Stream *stream) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        std::lock_guard<std::mutex> g(m_);
        if (s->active) deactivate_locked(s);
        delete s;
    }

    size_t getStreamMTU(SoapySDR::Stream *) const override { return mtu_; }

    int activateStream(SoapySDR::Stream *stream, const int flags, const long long timeNs,
                       const size_t) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        std::lock_guard<std::mutex> g(m_);
        if (s->active) return 0;
        s->active = true;
        long long now = now_locked();
        if (s->direction == SOAPY_SDR_RX) {
            rx_active_ = true;
            rx_pos_ = (flags & SOAPY_SDR_HAS_TIME) ? std::max(ticks(timeNs), now) : now;
            rx_delivered_since_ovf_ = 0;
        } else {
            tx_active_ = true;
            tx_in_burst_ = false;
            tx_armed_ = true;
        }
        cv_.notify_all();
        return 0;
    }

    int deactivateStream(SoapySDR::Stream *stream, const int, const long long) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        std::lock_guard<std::mutex> g(m_);
        if (s->active) deactivate_locked(s);
        return 0;
    }

    int readStream(SoapySDR::Stream *stream, void *const *buffs, const size_t numElems,
                   int &flags, long long &timeNs, const long timeoutUs) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        flags = 0;
        if (s->direction != SOAPY_SDR_RX) return SOAPY_SDR_NOT_SUPPORTED;
        std::unique_lock<std::mutex> lk(m_);
        if (!s->active) {
            lk.unlock();
            sleep_us(timeoutUs);
            return SOAPY_SDR_TIMEOUT;
        }
        if (disconnected_) return SOAPY_SDR_STREAM_ERROR;
        if (tmo_every_ && ++read_calls_ % tmo_every_ == 0) return SOAPY_SDR_TIMEOUT;
        if (pending_overflow_) {
            pending_overflow_ = false;
            flags |= SOAPY_SDR_HAS_TIME;
            timeNs = nanos(rx_pos_);
            return SOAPY_SDR_OVERFLOW;
        }
        size_t n = std::min(numElems, mtu_);
        if (ovf_every_) n = std::min<size_t>(n, (size_t)(ovf_every_ - rx_delivered_since_ovf_));
        if (disc_after_) {
            long long left = disc_after_ - rx_total_;
            if (left <= 0) {
                disconnected_ = true;
                SoapySDR::log(SOAPY_SDR_ERROR, "loopback: device disconnected (disconnect_after)");
                return SOAPY_SDR_STREAM_ERROR;
            }
            n = std::min<size_t>(n, (size_t)left);
        }
        auto deadline = Clock::now() + std::chrono::microseconds(std::max(0L, timeoutUs));
        // Wait until samples are available.
        for (;;) {
            long long avail;
            if (pace_) {
                long long now = now_locked();
                long long buf = buffer_samples();
                if (now - rx_pos_ > buf) {
                    // The reader fell behind: the device buffer overflowed; the backlog is lost.
                    rx_pos_ = now;
                    flags |= SOAPY_SDR_HAS_TIME;
                    timeNs = nanos(rx_pos_);
                    trim_locked();
                    return SOAPY_SDR_OVERFLOW;
                }
                avail = now - rx_pos_;
                // Wait for a whole request (or one MTU) so reads are not tiny.
                if (avail >= (long long)n) break;
                auto need = std::chrono::nanoseconds(
                    (long long)std::ceil(((long long)n - avail) * 1e9 / rate_));
                if (Clock::now() + need > deadline) {
                    if (avail > 0) { n = (size_t)avail; break; }
                    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout &&
                        now_locked() <= rx_pos_)
                        return SOAPY_SDR_TIMEOUT;
                    continue;
                }
                cv_.wait_for(lk, need);
                if (!s->active) return SOAPY_SDR_TIMEOUT;
                continue;
            }
            // Virtual time: an active TX burst drives the clock.
            if (!tx_drives_clock()) break;
            avail = chans_[s->chans[0]].end() - rx_pos_;
            if (avail > 0) { n = std::min<size_t>(n, (size_t)avail); break; }
            if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) {
                avail = chans_[s->chans[0]].end() - rx_pos_;
                if (avail > 0 || !tx_drives_clock()) continue;
                return SOAPY_SDR_TIMEOUT;
            }
            if (!s->active) return SOAPY_SDR_TIMEOUT;
        }
        // Deliver [rx_pos_, rx_pos_ + n).
        for (size_t k = 0; k < s->chans.size(); k++) {
            Channel &ch = chans_[s->chans[k]];
            for (size_t i = 0; i < n; i++) {
                long long t = rx_pos_ + (long long)i;
                cf v;
                if (t >= ch.start && t < ch.end()) v = ch.pending[(size_t)(t - ch.start)];
                else if (!rx_file_.empty()) v = rx_file_[(size_t)(t % (long long)rx_file_.size())];
                else if (counter_) v = cf((float)(t & 0x7fff) / 32768.0f, (float)((t >> 15) & 0x7fff) / 32768.0f);
                else v = cf(0.0f, 0.0f);
                put(buffs[k], s->cs16, i, v);
            }
        }
        flags |= SOAPY_SDR_HAS_TIME;
        timeNs = nanos(rx_pos_);
        rx_pos_ += (long long)n;
        rx_total_ += (long long)n;
        if (!pace_) vclock_ = std::max(vclock_, rx_pos_);
        if (ovf_every_) {
            rx_delivered_since_ovf_ += (long long)n;
            if (rx_delivered_since_ovf_ >= ovf_every_) {
                rx_delivered_since_ovf_ = 0;
                rx_pos_ += ovf_drop_;
                if (!pace_) vclock_ = std::max(vclock_, rx_pos_);
                pending_overflow_ = true;
            }
        }
        trim_locked();
        cv_.notify_all();
        return (int)n;
    }

    int writeStream(SoapySDR::Stream *stream, const void *const *buffs, const size_t numElems,
                    int &flags, const long long timeNs, const long timeoutUs) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        if (s->direction != SOAPY_SDR_TX) return SOAPY_SDR_NOT_SUPPORTED;
        std::unique_lock<std::mutex> lk(m_);
        if (!s->active) return SOAPY_SDR_STREAM_ERROR;
        if (disconnected_) return SOAPY_SDR_STREAM_ERROR;
        size_t n = std::min(numElems, mtu_);
        if (disc_after_) {
            long long left = disc_after_ - tx_total_;
            if (left <= 0) {
                disconnected_ = true;
                SoapySDR::log(SOAPY_SDR_ERROR, "loopback: device disconnected (disconnect_after)");
                return SOAPY_SDR_STREAM_ERROR;
            }
            n = std::min<size_t>(n, (size_t)left);
        }
        long long now = now_locked();
        Channel &c0 = chans_[s->chans[0]];
        long long at;
        if (flags & SOAPY_SDR_HAS_TIME) {
            at = ticks(timeNs);
            if (at < now || at < c0.end()) {
                status_.push_back({SOAPY_SDR_TIME_ERROR, nanos(now)});
                cv_.notify_all();
                return SOAPY_SDR_TIME_ERROR;
            }
        } else if (tx_in_burst_) {
            at = std::max(tx_next_, c0.pending.empty() ? now : c0.start);
            if (pace_ && tx_next_ < now) {
                // The burst ran dry: the device sent zeros from tx_next_ to now.
                status_.push_back({SOAPY_SDR_UNDERFLOW, nanos(tx_next_)});
                at = now;
            }
        } else {
            at = std::max(now, c0.end());
            if (rx_active_ && !pace_) at = std::max(at, rx_pos_);
        }
        // Back-pressure: the device holds at most buffer_samples() ahead of the receiver
        // (or, paced, of the wall clock).
        auto deadline = Clock::now() + std::chrono::microseconds(std::max(0L, timeoutUs));
        for (;;) {
            long long ref = pace_ ? now_locked() : (rx_active_ ? rx_pos_ : at);
            if (at + (long long)n - ref <= std::max<long long>(buffer_samples(), (long long)n))
                break;
            if (!pace_ && !rx_active_) break;
            if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) return SOAPY_SDR_TIMEOUT;
            if (!s->active || disconnected_) return SOAPY_SDR_STREAM_ERROR;
        }
        for (size_t k = 0; k < s->chans.size(); k++) {
            Channel &ch = chans_[s->chans[k]];
            if (ch.pending.empty()) ch.start = at;
            else if (at > ch.end()) ch.pending.resize(ch.pending.size() + (size_t)(at - ch.end()));
            else at = ch.end();
            for (size_t i = 0; i < n; i++) ch.pending.push_back(get(buffs[k], s->cs16, i));
        }
        tx_next_ = at + (long long)n;
        tx_total_ += (long long)n;
        tx_armed_ = false;
        tx_in_burst_ = !(flags & SOAPY_SDR_END_BURST);
        if (flags & SOAPY_SDR_END_BURST) status_.push_back({SOAPY_SDR_END_BURST, nanos(tx_next_)});
        if (unf_every_) {
            unf_count_ += (long long)n;
            while (unf_count_ >= unf_every_) {
                unf_count_ -= unf_every_;
                status_.push_back({SOAPY_SDR_UNDERFLOW, nanos(tx_next_)});
            }
        }
        if (!pace_ && !rx_active_) vclock_ = std::max(vclock_, tx_next_);
        trim_locked();
        cv_.notify_all();
        flags = 0;
        return (int)n;
    }

    int readStreamStatus(SoapySDR::Stream *stream, size_t &chanMask, int &flags, long long &timeNs,
                         const long timeoutUs) override {
        auto *s = reinterpret_cast<LbStream *>(stream);
        if (s->direction != SOAPY_SDR_TX) return SOAPY_SDR_NOT_SUPPORTED;
        std::unique_lock<std::mutex> lk(m_);
        auto deadline = Clock::now() + std::chrono::microseconds(std::max(0L, timeoutUs));
        while (status_.empty()) {
            if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && status_.empty())
                return SOAPY_SDR_TIMEOUT;
        }
        auto st = status_.front();
        status_.pop_front();
        chanMask = 0;
        for (size_t c : s->chans) chanMask |= (size_t)1 << c;
        flags = SOAPY_SDR_HAS_TIME;
        timeNs = st.second;
        if (st.first == SOAPY_SDR_END_BURST) {
            flags |= SOAPY_SDR_END_BURST;
            return 0;
        }
        return st.first;
    }

    // ---- settings ----
    std::vector<std::string> listAntennas(const int, const size_t) const override { return {"LOOP"}; }
    void setAntenna(const int, const size_t, const std::string &name) override {
        if (name != "LOOP") throw std::runtime_error("loopback: unknown antenna " + name + " (LOOP)");
    }
    std::string getAntenna(const int, const size_t) const override { return "LOOP"; }

    std::vector<std::string> listGains(const int, const size_t) const override { return {"LOOP"}; }
    bool hasGainMode(const int, const size_t) const override { return true; }
    void setGainMode(const int d, const size_t c, const bool automatic) override {
        std::lock_guard<std::mutex> g(m_);
        agc_[d][check(c)] = automatic;
    }
    bool getGainMode(const int d, const size_t c) const override {
        std::lock_guard<std::mutex> g(m_);
        return agc_[d][check(c)];
    }
    void setGain(const int d, const size_t c, const double value) override {
        std::lock_guard<std::mutex> g(m_);
        gain_[d][check(c)] = std::min(60.0, std::max(0.0, value));
    }
    double getGain(const int d, const size_t c) const override {
        std::lock_guard<std::mutex> g(m_);
        return gain_[d][check(c)];
    }
    SoapySDR::Range getGainRange(const int, const size_t) const override {
        return SoapySDR::Range(0.0, 60.0, 1.0);
    }
    SoapySDR::Range getGainRange(const int, const size_t, const std::string &) const override {
        return SoapySDR::Range(0.0, 60.0, 1.0);
    }
    void setGain(const int d, const size_t c, const std::string &, const double value) override {
        setGain(d, c, value);
    }
    double getGain(const int d, const size_t c, const std::string &) const override {
        return getGain(d, c);
    }

    void setFrequency(const int d, const size_t c, const double f, const SoapySDR::Kwargs &) override {
        if (!(f >= 0.0 && f <= 100e9))
            throw std::runtime_error("loopback: frequency out of range 0..100 GHz");
        std::lock_guard<std::mutex> g(m_);
        freq_[d][check(c)] = f;
    }
    double getFrequency(const int d, const size_t c) const override {
        std::lock_guard<std::mutex> g(m_);
        return freq_[d][check(c)];
    }
    SoapySDR::RangeList getFrequencyRange(const int, const size_t) const override {
        return {SoapySDR::Range(0.0, 100e9)};
    }

    void setSampleRate(const int, const size_t, const double rate) override {
        if (!(rate >= 1e3 && rate <= 1e9))
            throw std::runtime_error("loopback: sample rate out of range 1 kHz..1 GHz");
        std::lock_guard<std::mutex> g(m_);
        // Keep the clock continuous across a rate change.
        long long now = now_locked();
        rate_ = rate;
        base_ticks_ = now;
        base_time_ = Clock::now();
    }
    double getSampleRate(const int, const size_t) const override {
        std::lock_guard<std::mutex> g(m_);
        return rate_;
    }
    SoapySDR::RangeList getSampleRateRange(const int, const size_t) const override {
        return {SoapySDR::Range(1e3, 1e9)};
    }
    void setBandwidth(const int d, const size_t c, const double bw) override {
        std::lock_guard<std::mutex> g(m_);
        bw_[d][check(c)] = bw;
    }
    double getBandwidth(const int d, const size_t c) const override {
        std::lock_guard<std::mutex> g(m_);
        return bw_[d][check(c)] > 0 ? bw_[d][c] : rate_;
    }
    SoapySDR::RangeList getBandwidthRange(const int, const size_t) const override {
        return {SoapySDR::Range(1e3, 1e9)};
    }

    std::vector<std::string> listClockSources() const override { return {"internal"}; }
    void setClockSource(const std::string &s) override {
        if (s != "internal") throw std::runtime_error("loopback: clock source " + s + " not available (internal)");
    }
    std::string getClockSource() const override { return "internal"; }
    std::vector<std::string> listTimeSources() const override { return {"internal"}; }
    void setTimeSource(const std::string &s) override {
        if (s != "internal") throw std::runtime_error("loopback: time source " + s + " not available (internal)");
    }
    std::string getTimeSource() const override { return "internal"; }
    bool hasHardwareTime(const std::string &what) const override { return what.empty(); }
    long long getHardwareTime(const std::string &) const override {
        std::lock_guard<std::mutex> g(m_);
        return nanos(now_locked());
    }
    void setHardwareTime(const long long timeNs, const std::string &) override {
        std::lock_guard<std::mutex> g(m_);
        long long t = ticks(timeNs);
        long long delta = t - now_locked();
        base_ticks_ = t;
        base_time_ = Clock::now();
        vclock_ = t;
        rx_pos_ += delta;
        for (auto &ch : chans_) { ch.pending.clear(); ch.start = t; }
        tx_next_ = t;
    }

  private:
    void load_rx_file(const std::string &path) {
        FILE *f = std::fopen(path.c_str(), "rb");
        if (!f) throw std::runtime_error("loopback: cannot open rx_file " + path);
        std::vector<cf> data;
        cf buf[4096];
        size_t n;
        while ((n = std::fread(buf, sizeof(cf), 4096, f)) > 0) data.insert(data.end(), buf, buf + n);
        std::fclose(f);
        if (data.empty()) throw std::runtime_error("loopback: rx_file " + path + " holds no cf32 sample");
        rx_file_ = std::move(data);
    }
    size_t check(size_t c) const {
        if (c >= nchan_)
            throw std::runtime_error("loopback: channel " + std::to_string(c) + " out of range");
        return c;
    }
    long long ticks(long long ns) const { return std::llround((long double)ns * rate_ / 1e9L); }
    long long nanos(long long t) const { return std::llround((long double)t * 1e9L / rate_); }
    long long buffer_samples() const {
        return buffer_arg_ > 0 ? buffer_arg_ : std::max<long long>((long long)(rate_ / 4), 65536);
    }
    long long now_locked() const {
        if (!pace_) return vclock_;
        auto el = std::chrono::duration<long double>(Clock::now() - base_time_).count();
        return base_ticks_ + (long long)std::floor(el * rate_);
    }
    // Virtual time: an active TX stream that has not sent anything yet, or is inside a
    // burst, holds the receiver's clock until its samples arrive.
    bool tx_drives_clock() const { return !pace_ && tx_active_ && (tx_in_burst_ || tx_armed_); }
    // Drops TX samples nobody will receive any more.
    void trim_locked() {
        long long keep = rx_active_ ? rx_pos_ : now_locked();
        for (auto &ch : chans_) {
            if (ch.pending.empty()) continue;
            if (keep >= ch.end()) {
                ch.start = ch.end();
                ch.pending.clear();
            } else if (keep > ch.start) {
                ch.pending.erase(ch.pending.begin(), ch.pending.begin() + (keep - ch.start));
                ch.start = keep;
            }
        }
    }
    void deactivate_locked(LbStream *s) {
        s->active = false;
        if (s->direction == SOAPY_SDR_RX) {
            rx_active_ = false;
        } else {
            tx_active_ = false;
            tx_in_burst_ = false;
            tx_armed_ = false;
        }
        trim_locked();
        cv_.notify_all();
    }
    static void put(void *buf, bool cs16, size_t i, cf v) {
        if (cs16) {
            auto q = [](float x) {
                float y = std::nearbyint(x * 32768.0f);
                return (int16_t)std::min(32767.0f, std::max(-32768.0f, std::isnan(y) ? -32768.0f : y));
            };
            int16_t *p = static_cast<int16_t *>(buf) + 2 * i;
            p[0] = q(v.real());
            p[1] = q(v.imag());
        } else {
            static_cast<cf *>(buf)[i] = v;
        }
    }
    static cf get(const void *buf, bool cs16, size_t i) {
        if (cs16) {
            const int16_t *p = static_cast<const int16_t *>(buf) + 2 * i;
            return cf(p[0] / 32768.0f, p[1] / 32768.0f);
        }
        return static_cast<const cf *>(buf)[i];
    }
    static void sleep_us(long us) {
        if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
    }

    std::string serial_;
    size_t nchan_ = 1;
    size_t mtu_ = 8192;
    bool pace_ = false;
    long long buffer_arg_ = 0;
    bool counter_ = false;
    std::vector<cf> rx_file_;
    long long ovf_every_ = 0, ovf_drop_ = 0, unf_every_ = 0, tmo_every_ = 0, disc_after_ = 0;

    mutable std::mutex m_;
    std::condition_variable cv_;
    double rate_ = 1e6;
    std::vector<double> freq_[2], gain_[2], bw_[2];
    std::vector<bool> agc_[2];
    Clock::time_point base_time_;
    long long base_ticks_ = 0;
    long long vclock_ = 0;
    std::vector<Channel> chans_;
    bool rx_active_ = false, tx_active_ = false, tx_in_burst_ = false, tx_armed_ = false;
    long long rx_pos_ = 0, tx_next_ = 0;
    long long rx_total_ = 0, tx_total_ = 0;
    long long rx_delivered_since_ovf_ = 0, read_calls_ = 0, unf_count_ = 0;
    bool pending_overflow_ = false, disconnected_ = false;
    std::deque<std::pair<int, long long>> status_;
};

SoapySDR::KwargsList find_loopback(const SoapySDR::Kwargs &args) {
    auto it = args.find("driver");
    if (it != args.end() && it->second != "loopback") return {};
    // Only answer an explicit request, or a plain enumerate with no other filter.
    SoapySDR::Kwargs k = args;
    k["driver"] = "loopback";
    if (!k.count("serial")) k["serial"] = "0";
    k["label"] = "nrkit loopback #" + k["serial"];
    return {k};
}

SoapySDR::Device *make_loopback(const SoapySDR::Kwargs &args) { return new Loopback(args); }

SoapySDR::Registry register_loopback("loopback", &find_loopback, &make_loopback,
                                     SOAPY_SDR_ABI_VERSION);
SoapySDR::ModuleVersion register_version("0.1.0");

}  // namespace

#include "ui/views/distribution_preview.h"

#include <QPainter>

#include <algorithm>
#include <cmath>
#include <random>

namespace tunelab::ui {

DistributionPreview::DistributionPreview(QWidget* parent) : QWidget(parent) { setMinimumHeight(110); }

void DistributionPreview::set_parameter(std::optional<Parameter> p) {
  param_ = std::move(p);
  counts_.clear();
  labels_.clear();
  log_ = false;
  if (param_ && param_->type != ParamType::Const) {
    const Parameter& q = *param_;
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> u(0, 1);
    const uint64_t card = q.cardinality();
    if (card > 0 && card <= 30) {
      counts_.assign(static_cast<size_t>(card), 0);
      for (uint64_t i = 0; i < card; ++i) {
        const Json v = q.value_at(i);
        labels_ << (v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString::fromStdString(dump_compact(v)));
      }
      for (int i = 0; i < 2000; ++i) {
        const Json v = q.from_unit(u(rng));
        for (uint64_t k = 0; k < card; ++k) {
          if (q.value_at(k) == v) {
            ++counts_[static_cast<size_t>(k)];
            break;
          }
        }
      }
    } else {
      std::vector<double> xs;
      for (int i = 0; i < 2000; ++i) {
        const Json v = q.from_unit(u(rng));
        if (v.is_number()) xs.push_back(v.get<double>());
      }
      if (!xs.empty()) {
        log_ = q.log && *std::min_element(xs.begin(), xs.end()) > 0;
        auto tr = [&](double x) { return log_ ? std::log10(x) : x; };
        const auto [lo_it, hi_it] = std::minmax_element(xs.begin(), xs.end());
        const double lo = tr(*lo_it), hi = tr(*hi_it);
        const int bins = 30;
        counts_.assign(bins, 0);
        for (double x : xs) {
          const int b = hi > lo ? std::min(bins - 1, static_cast<int>((tr(x) - lo) / (hi - lo) * bins)) : 0;
          ++counts_[static_cast<size_t>(b)];
        }
        labels_ << QString::number(*lo_it, 'g', 3) << QString::number(*hi_it, 'g', 3);
      }
    }
  }
  update();
}

void DistributionPreview::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Text));
  if (!param_) {
    p.drawText(rect(), Qt::AlignCenter, tr("Select a valid parameter to preview its samples"));
    return;
  }
  const QString title = QString::fromStdString(param_->name) + (log_ ? tr(" — 2,000 samples, log axis") : tr(" — 2,000 samples"));
  p.drawText(QRect(4, 2, width() - 8, 16), Qt::AlignLeft, title);
  if (counts_.empty()) {
    p.drawText(rect(), Qt::AlignCenter, tr("a constant"));
    return;
  }
  const QRectF r(8, 20, width() - 16, height() - 40);
  const int peak = std::max(1, *std::max_element(counts_.begin(), counts_.end()));
  const double w = r.width() / static_cast<double>(counts_.size());
  const QColor bar = palette().color(QPalette::Highlight);
  for (size_t i = 0; i < counts_.size(); ++i) {
    const double h = r.height() * counts_[i] / peak;
    p.fillRect(QRectF(r.left() + w * static_cast<double>(i) + 1, r.bottom() - h, std::max(1.0, w - 2), h), bar);
  }
  p.setPen(palette().color(QPalette::Text));
  if (labels_.size() == static_cast<qsizetype>(counts_.size())) {
    for (size_t i = 0; i < counts_.size(); ++i) {
      p.drawText(QRectF(r.left() + w * static_cast<double>(i), r.bottom() + 2, w, 16), Qt::AlignCenter,
                 labels_[static_cast<qsizetype>(i)]);
    }
  } else if (labels_.size() == 2) {
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), 16), Qt::AlignLeft, labels_[0]);
    p.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), 16), Qt::AlignRight, labels_[1]);
  }
}

}  // namespace tunelab::ui

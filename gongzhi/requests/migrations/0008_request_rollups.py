"""The requests' figures rows, the triggers that keep them in the transaction that writes a request
(gongzhi.requests.rollups), and their first count from the requests already there."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    from gongzhi.requests import rollups

    rollups.install(schema_editor)
    rollups.rebuild()


def backwards(apps, schema_editor):
    from gongzhi.requests import rollups

    rollups.uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0005_unit_code'),
        ('requests', '0007_request_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='RequestRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grain', models.PositiveSmallIntegerField(choices=[(1, '日'), (2, '月')], verbose_name='粒度')),
                ('day', models.DateField(verbose_name='日期')),
                ('category', models.CharField(choices=[('cleaning', '环境卫生'), ('lighting', '公共照明'), ('minor_repair', '小修小补'), ('lift', '电梯'), ('pipes', '管道下水'), ('utilities', '水电气暖'), ('roads', '道路设施'), ('flying_wire', '飞线充电'), ('parking', '停车管理'), ('noise', '噪音扰民'), ('neighbour_dispute', '邻里纠纷'), ('high_throw', '高空抛物'), ('greenery', '绿化养护'), ('security', '治安安防'), ('renovation', '装修管理'), ('poles_cables', '电杆线缆'), ('fee_dispute', '物业费纠纷'), ('other', '其他')], max_length=32, verbose_name='类别')),
                ('received', models.IntegerField(default=0, verbose_name='收到')),
                ('done', models.IntegerField(default=0, verbose_name='已办结')),
                ('first_resolved', models.IntegerField(default=0, verbose_name='首次办结')),
                ('on_time', models.IntegerField(default=0, verbose_name='按期办结')),
                ('rated', models.IntegerField(default=0, verbose_name='已评价')),
                ('satisfied', models.IntegerField(default=0, verbose_name='满意')),
                ('satisfaction_sum', models.IntegerField(default=0, verbose_name='评分合计')),
                ('open', models.IntegerField(default=0, verbose_name='未办结')),
                ('reopened', models.IntegerField(default=0, verbose_name='重新办理')),
                ('summoned', models.IntegerField(default=0, verbose_name='吹哨')),
                ('timed', models.IntegerField(default=0, verbose_name='计时')),
                ('resolve_us', models.BigIntegerField(default=0, verbose_name='办结用时合计（微秒）')),
                ('level1', models.IntegerField(default=0)),
                ('level2', models.IntegerField(default=0)),
                ('level3', models.IntegerField(default=0)),
                ('level4', models.IntegerField(default=0)),
                ('level5', models.IntegerField(default=0)),
                ('community', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='places.community')),
                ('estate', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='places.estate')),
                ('subdistrict', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='places.subdistrict')),
            ],
            options={
                'verbose_name': '诉求统计',
                'verbose_name_plural': '诉求统计',
                'indexes': [models.Index(fields=['subdistrict', 'grain', 'day'], name='rollup_subdistrict_day'), models.Index(fields=['community', 'grain', 'day'], name='rollup_community_day')],
                'constraints': [models.UniqueConstraint(fields=('estate', 'community', 'subdistrict', 'grain', 'day', 'category'), name='one_rollup_per_key')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]

# A separate migration from 0004's data step: on PostgreSQL a table cannot be altered in the transaction
# that updated its rows under a deferred foreign key.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0004_partners_advisers_photos'),
    ]

    operations = [
        migrations.AlterField(
            model_name='volunteerteam',
            name='community',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.community', verbose_name='社区'),
        ),
    ]
